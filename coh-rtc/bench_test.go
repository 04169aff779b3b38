package rtc

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkCompile(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "configs", "root_task.toml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkArtifacts(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "configs", "root_task.toml"))
	if err != nil {
		b.Fatal(err)
	}
	c, err := Compile(src)
	if err != nil {
		b.Fatal(err)
	}
	docs := readDocs(b, filepath.Join("..", "docs"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Artifacts(docs); err != nil {
			b.Fatal(err)
		}
	}
}
