// Command coh-rtc compiles configs/root_task.toml into the generated Go
// tables, client policies, boot script, docs snippets and resolved JSON.
//
//	coh-rtc [-manifest configs/root_task.toml] [-docs docs] [-out .]
//	coh-rtc -list       # print the generated paths, one a line
//	coh-rtc -fingerprint
//
// A manifest that fails validation is refused with exit status 1 and one
// line per offending field path; nothing is written.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	rtc "github.com/cohesix/cohesix/coh-rtc"
	"github.com/cohesix/cohesix/coh-rtc/validate"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("coh-rtc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	manifestPath := fs.String("manifest", "configs/root_task.toml", "root-task manifest to compile")
	docsDir := fs.String("docs", "docs", "directory whose *.md files get their coh-rtc marker blocks regenerated")
	outDir := fs.String("out", ".", "repository root the artefacts are written under")
	list := fs.Bool("list", false, "print the generated paths instead of writing them")
	fingerprint := fs.Bool("fingerprint", false, "print the manifest fingerprint instead of writing artefacts")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "coh-rtc: unexpected arguments %q\n", fs.Args())
		return 2
	}

	src, err := os.ReadFile(*manifestPath)
	if err != nil {
		fmt.Fprintf(stderr, "coh-rtc: %v\n", err)
		return 1
	}
	compiled, err := rtc.Compile(src)
	if err != nil {
		var verrs validate.Errors
		if errors.As(err, &verrs) {
			for _, e := range verrs {
				fmt.Fprintf(stderr, "coh-rtc: %s: %s\n", *manifestPath, e)
			}
		} else {
			fmt.Fprintf(stderr, "coh-rtc: %s: %v\n", *manifestPath, err)
		}
		return 1
	}
	if *fingerprint {
		fmt.Fprintln(stdout, compiled.Fingerprint)
		return 0
	}

	docs, err := readDocs(*docsDir)
	if err != nil {
		fmt.Fprintf(stderr, "coh-rtc: %v\n", err)
		return 1
	}
	files, err := compiled.Artifacts(docs)
	if err != nil {
		fmt.Fprintf(stderr, "coh-rtc: %v\n", err)
		return 1
	}
	if *list {
		for _, f := range files {
			fmt.Fprintln(stdout, f.Path)
		}
		return 0
	}
	for _, f := range files {
		dst := filepath.Join(*outDir, filepath.FromSlash(f.Path))
		if err := writeIfChanged(dst, f.Data); err != nil {
			fmt.Fprintf(stderr, "coh-rtc: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "coh-rtc: manifest %s fingerprint %s, %d files\n", *manifestPath, compiled.Fingerprint, len(files))
	return 0
}

// readDocs returns docs/*.md keyed by their slash path relative to the
// repository root ("docs/X.md"), whatever directory they were read from.
func readDocs(dir string) (map[string][]byte, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	docs := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		docs["docs/"+filepath.Base(n)] = b
	}
	return docs, nil
}

// writeIfChanged leaves files with identical content untouched so that
// regeneration does not disturb modification times.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
