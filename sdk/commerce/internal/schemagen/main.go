// Command schemagen writes the JSON Schema of the unified commerce model
// from the Go source of package commerce: struct fields become properties,
// JSON tags their names, doc comments their descriptions, and typed string
// constants enumerations. Run it with "go generate ./sdk/commerce".
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/supplyhub/supplyhub/sdk/commerce/internal/schemagen/gen"
)

func main() {
	dir := flag.String("dir", ".", "directory of package commerce")
	out := flag.String("out", "schema/commerce.schema.json", "output file, relative to -dir")
	flag.Parse()
	schema, err := gen.Generate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(schema); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(filepath.Join(*dir, *out), b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}
