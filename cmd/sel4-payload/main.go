// Command sel4-payload rewrites an upstream seL4 elfloader so that the
// rootserver in its embedded CPIO archive is ours. kernel.elf and kernel.dtb
// are kept; nothing upstream is patched or rebuilt.
//
//	sel4-payload -elfloader build/elfloader/elfloader -rootserver out/rootserver -o out/sel4/elfloader
//	sel4-payload -elfloader IMAGE -list
//	sel4-payload -elfloader IMAGE -extract rootserver -o rootserver.elf
//	sel4-payload -kconfig SEL4_BUILD_DIR
//	sel4-payload -elfloader IMAGE -rootserver stage1.elf -payload rootserver -flash out/sel4/flash0.img -o out/sel4/elfloader
//
// With -payload the archive gets stage 1 (cmd/sel4-payload/stage1) and the
// real rootserver goes to a flash bank image for QEMU's
// -drive if=pflash,format=raw,unit=1,file=...: the two-stage boot for
// rootservers larger than the elfloader's archive.
//
// -kconfig prints the kernel configuration string the root task is linked
// with (-X github.com/cohesix/cohesix/kernel-glue/sel4.kernelConfig=...):
// EL0 counter exports, debug/printing, CNode size and the invocation label
// set, which it derives from the build's libsel4 headers and matches
// against the sets compiled into kernel-glue/sel4.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cohesix/cohesix/images/sel4"
	glue "github.com/cohesix/cohesix/kernel-glue/sel4"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sel4-payload:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sel4-payload", flag.ContinueOnError)
	loaderPath := fs.String("elfloader", "", "upstream elfloader ELF (or a final image) with an embedded CPIO archive")
	rootPath := fs.String("rootserver", "", "rootserver ELF to put in place of the archive's rootserver")
	name := fs.String("name", "", "archive member name for the new rootserver (default: keep the old name)")
	strip := fs.Bool("strip", false, "drop section headers, symbols and DWARF from the rootserver before embedding")
	outPath := fs.String("o", "", "output file")
	list := fs.Bool("list", false, "print the archive members and the estimated physical layout")
	extract := fs.String("extract", "", "write the named archive member to -o")
	kconfig := fs.String("kconfig", "", "print the kernel config string for the upstream build directory")
	payloadPath := fs.String("payload", "", "two-stage boot: the real rootserver, written to -flash; -rootserver is then stage 1")
	flashPath := fs.String("flash", "", "flash bank image to write the -payload to")
	stage1Path := fs.String("stage1", "", "two-stage boot when needed: if -rootserver does not fit, embed this stage 1 and put the rootserver in -flash")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *kconfig != "" {
		c, err := kernelConfig(*kconfig)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, c)
		return nil
	}
	if *loaderPath == "" {
		return fmt.Errorf("-elfloader is required")
	}
	raw, err := os.ReadFile(*loaderPath)
	if err != nil {
		return err
	}
	l, err := sel4.OpenElfloader(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", *loaderPath, err)
	}
	switch {
	case *list:
		return printList(stdout, l)
	case *extract != "":
		m := l.Member(*extract)
		if m == nil {
			return fmt.Errorf("%s: no archive member %q", *loaderPath, *extract)
		}
		if *outPath == "" {
			return fmt.Errorf("-extract needs -o")
		}
		return os.WriteFile(*outPath, m.Data, 0o644)
	}
	if *rootPath == "" || *outPath == "" {
		return fmt.Errorf("-rootserver and -o are required (or use -list / -extract)")
	}
	rs, err := readELF(*rootPath, *strip)
	if err != nil {
		return err
	}
	if *payloadPath != "" && *stage1Path != "" {
		return fmt.Errorf("-payload and -stage1 are alternatives")
	}
	if (*payloadPath != "" || *stage1Path != "") && *flashPath == "" {
		return fmt.Errorf("-payload and -stage1 need -flash")
	}
	var payload []byte
	if *payloadPath != "" {
		if payload, err = readELF(*payloadPath, *strip); err != nil {
			return err
		}
	}
	out, lay, err := embed(l, rs, *name)
	if err != nil && *stage1Path != "" {
		// Too big for the archive: stage 1 goes in, the rootserver to flash.
		fmt.Fprintf(stdout, "sel4-payload: %s does not fit (%v); using the two-stage boot\n", *rootPath, err)
		payload = rs
		if rs, err = readELF(*stage1Path, *strip); err != nil {
			return err
		}
		if l, err = sel4.OpenElfloader(raw); err != nil {
			return err
		}
		out, lay, err = embed(l, rs, *name)
	}
	if err != nil {
		return err
	}
	if *flashPath != "" {
		if payload == nil {
			// Single stage: a stale flash image must not be booted.
			if err := os.Remove(*flashPath); err != nil && !os.IsNotExist(err) {
				return err
			}
		} else {
			img, err := sel4.FlashImage(payload)
			if err != nil {
				return fmt.Errorf("payload: %w", err)
			}
			if err := os.WriteFile(*flashPath, img, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "sel4-payload: %s: rootserver %d bytes in flash bank 1 (QEMU -drive if=pflash,format=raw,unit=1,file=%s)\n",
				*flashPath, len(payload), *flashPath)
		}
	}
	if err := os.WriteFile(*outPath, out, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sel4-payload: %s: rootserver %d bytes (archive %d of %d bytes), unpacks at %#x..%#x below the elfloader at %#x\n",
		*outPath, len(rs), len(l.Archive.Encode()), l.Capacity(), lay.Rootserver.Min, lay.Rootserver.Max, lay.Limit)
	return nil
}

func printList(w io.Writer, l *sel4.Elfloader) error {
	fmt.Fprintf(w, "archive: %d of %d bytes used\n", len(l.Archive.Encode()), l.Capacity())
	for _, e := range l.Archive.Entries {
		fmt.Fprintf(w, "  %-20s %9d bytes mode %06o\n", e.Name, len(e.Data), e.Mode)
	}
	lay, err := l.Layout()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "layout (estimate; the elfloader decides at boot):\n")
	fmt.Fprintf(w, "  kernel     %#x..%#x\n", lay.Kernel.Min, lay.Kernel.Max)
	fmt.Fprintf(w, "  dtb        %#x..%#x\n", lay.DTB.Min, lay.DTB.Max)
	fmt.Fprintf(w, "  rootserver %#x..%#x (%d bytes, entry %#x)\n", lay.Rootserver.Min, lay.Rootserver.Max, lay.Rootserver.Size(), lay.Rootserver.Entry)
	fmt.Fprintf(w, "  elfloader  %#x (room left %d bytes)\n", lay.Limit, int64(lay.Limit)-int64(lay.HeadersPage+4096))
	return lay.Fits()
}

// kernelConfig reads dir/CMakeCache.txt and the libsel4 invocation headers.
func kernelConfig(dir string) (glue.KernelConfig, error) {
	cache, err := os.ReadFile(dir + "/CMakeCache.txt")
	if err != nil {
		return glue.KernelConfig{}, err
	}
	got, err := glue.LabelsFromBuild(dir, os.ReadFile)
	if err != nil {
		return glue.KernelConfig{}, fmt.Errorf("%s: %w", dir, err)
	}
	name := ""
	for _, l := range []glue.Labels{glue.Labels13, glue.Labels14, glue.Labels15} {
		got.Name = l.Name
		if got == l {
			name = l.Name
		}
	}
	if name == "" {
		return glue.KernelConfig{}, fmt.Errorf("%s: the libsel4 invocation labels match no set in kernel-glue/sel4 (13.0, 14.0, 15.0); add one: %+v", dir, got)
	}
	c, err := glue.KernelConfigFromCMakeCache(cache, name)
	if err != nil {
		return c, fmt.Errorf("%s: %w", dir, err)
	}
	return c, nil
}

func readELF(path string, strip bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strip {
		if b, err = sel4.StripELF(b); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return b, nil
}

// embed puts rs into l's archive and checks that the result fits.
func embed(l *sel4.Elfloader, rs []byte, name string) ([]byte, sel4.Layout, error) {
	if err := l.ReplaceRootserver(rs, name); err != nil {
		return nil, sel4.Layout{}, err
	}
	lay, err := l.Layout()
	if err != nil {
		return nil, lay, err
	}
	if err := lay.Fits(); err != nil {
		return nil, lay, err
	}
	out, err := l.Bytes()
	return out, lay, err
}
