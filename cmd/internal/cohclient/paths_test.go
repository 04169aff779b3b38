package cohclient

import (
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		path    string
		want    string // components joined by "|"
		wantErr string
	}{
		{"/", "", ""},
		{"/proc/boot", "proc|boot", ""},
		{"//proc//boot/", "proc|boot", ""},
		{"/a/b/c/d/e/f/g/h", "a|b|c|d|e|f|g|h", ""},
		{"/a/b/c/d/e/f/g/h/i", "", "path exceeds maximum depth of 8 components"},
		{"proc/boot", "", "paths must be absolute"},
		{"", "", "paths must be absolute"},
		{"/proc/../boot", "", "path component '..' is not permitted"},
		{"/proc/./boot", "", "path component '.' is not permitted"},
		{"/proc/bo\x00ot", "", "path component contains NUL byte"},
		{"/proc/...", "proc|...", ""},
	}
	for _, tc := range tests {
		got, err := ParsePath(tc.path)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("ParsePath(%q) err = %v, want %q", tc.path, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePath(%q) unexpected error %v", tc.path, err)
			continue
		}
		if j := strings.Join(got, "|"); j != tc.want {
			t.Errorf("ParsePath(%q) = %q, want %q", tc.path, j, tc.want)
		}
	}
}
