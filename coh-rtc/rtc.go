// Package rtc is coh-rtc, the root-task manifest compiler: it parses
// configs/root_task.toml into the typed IR, enforces the red lines and emits
// every artefact generated from the manifest.
//
// The pipeline is Compile (TOML -> IR -> validation -> resolved JSON and
// fingerprint) followed by Artifacts (the files to write). Both are pure:
// the same input gives the same bytes on every run and machine.
package rtc

import (
	"fmt"
	"path"
	"sort"

	"github.com/cohesix/cohesix/coh-rtc/codegen"
	"github.com/cohesix/cohesix/coh-rtc/ir"
	"github.com/cohesix/cohesix/coh-rtc/validate"
)

// Output paths, relative to the repository root.
const (
	ResolvedJSONPath = "out/manifests/root_task_resolved.json"
	ResolvedHashPath = ResolvedJSONPath + ".sha256"
)

// Compiled is a validated manifest with its canonical resolved form.
type Compiled struct {
	Manifest    *ir.Manifest
	Resolved    []byte // canonical resolved JSON
	Fingerprint string // lower-case hex SHA-256 of Resolved
}

// Compile parses and validates a manifest. A parse failure is returned as
// is; a validation failure is a validate.Errors naming every bad field.
func Compile(src []byte) (*Compiled, error) {
	m, err := ir.Parse(src)
	if err != nil {
		return nil, err
	}
	if err := validate.Manifest(m); err != nil {
		return nil, err
	}
	resolved, err := codegen.ResolvedJSON(m)
	if err != nil {
		return nil, err
	}
	return &Compiled{Manifest: m, Resolved: resolved, Fingerprint: codegen.Fingerprint(resolved)}, nil
}

// File is one generated artefact.
type File struct {
	Path string // relative to the repository root, slash-separated
	Data []byte
}

// Artifacts returns every generated file, sorted by path. docs maps
// docs/*.md paths to their current content; those containing coh-rtc
// marker blocks are returned with the blocks regenerated, the rest are left
// out.
func (c *Compiled) Artifacts(docs map[string][]byte) ([]File, error) {
	var files []File
	add := func(p string, data []byte) { files = append(files, File{Path: p, Data: data}) }

	add(ResolvedJSONPath, c.Resolved)
	add(ResolvedHashPath, codegen.HashFile(c.Fingerprint, path.Base(ResolvedJSONPath)))

	goSrc, err := codegen.GoTables(c.Manifest, c.Fingerprint)
	if err != nil {
		return nil, err
	}
	add(codegen.GoTablesPath, goSrc)

	// Policies are committed under configs/ and copied to out/, where the
	// reference clients look for them by default.
	for _, p := range codegen.ClientPolicies(c.Manifest, c.Fingerprint) {
		hash := codegen.HashFile(codegen.SHA256Hex(p.Data), path.Base(p.Path))
		for _, dir := range []string{path.Dir(p.Path), "out"} {
			dst := path.Join(dir, path.Base(p.Path))
			add(dst, p.Data)
			add(dst+".sha256", hash)
		}
	}
	add(codegen.BootScriptPath, codegen.BootScript(c.Manifest))

	snippets := codegen.Snippets(c.Manifest, c.Fingerprint)
	docPaths := make([]string, 0, len(docs))
	for p := range docs {
		docPaths = append(docPaths, p)
	}
	sort.Strings(docPaths)
	for _, p := range docPaths {
		updated, found, err := codegen.UpdateMarkers(docs[p], snippets)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if found {
			add(p, updated)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}
