package codegen

// HashFile renders a sha256sum-compatible line, "<hex>  <name>\n", so the
// hash files can be checked with `sha256sum -c` from their directory.
func HashFile(hexSum, name string) []byte {
	return []byte(hexSum + "  " + name + "\n")
}
