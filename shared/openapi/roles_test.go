package openapi

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/domain"
)

var update = flag.Bool("update", false, "rewrite the generated parts of openapi.yaml")

// Markers around the generated role table in info.description.
const (
	rolesBegin = "<!-- roles:begin (generated from domain.Allows by `go test ./shared/openapi -run TestRoleTable -update`) -->"
	rolesEnd   = "<!-- roles:end -->"
)

// TestRoleTable: the role × action table in the document's description is
// exactly what domain.Allows decides, so it cannot drift from the code. Run
// with -update to regenerate it.
func TestRoleTable(t *testing.T) {
	const indent = "      " // in info.description (four spaces), inside a list item (two more)
	src := string(spec)
	i, j := strings.Index(src, indent+rolesBegin+"\n"), strings.Index(src, indent+rolesEnd)
	if i < 0 || j < i {
		t.Fatalf("openapi.yaml lacks the role table's markers %q … %q", rolesBegin, rolesEnd)
	}
	var want strings.Builder
	want.WriteString(indent + rolesBegin + "\n")
	for _, line := range strings.SplitAfter(domain.PermissionsMarkdown(), "\n") {
		if line != "" {
			want.WriteString(indent + line)
		}
	}
	got := src[i:j]
	if got == want.String() {
		return
	}
	if *update {
		if err := os.WriteFile("openapi.yaml", []byte(src[:i]+want.String()+src[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("openapi.yaml: role table regenerated")
		return
	}
	t.Errorf("the role table in openapi.yaml differs from domain.Allows; run go test ./shared/openapi -run TestRoleTable -update\ngot:\n%s\nwant:\n%s", got, want.String())
}
