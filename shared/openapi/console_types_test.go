package openapi_test

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mpdp/platform/shared/openapi"
)

// TestConsoleTypesMatchSchemas keeps the console's hand-written API types
// (console/src/api/types.ts) in step with this document: for every schema with
// an interface of the same name, each property the console reads exists, and
// each property the API always sends is not optional in the console.
func TestConsoleTypesMatchSchemas(t *testing.T) {
	src, err := os.ReadFile("../../console/src/api/types.ts")
	if err != nil {
		t.Fatalf("read the console's types: %v", err)
	}
	js, err := yaml.YAMLToJSON(openapi.YAML())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	// Schemas whose console type has another name.
	alias := map[string]string{"SettingsView": "Settings"}
	compared := 0
	for name, ts := range interfaces(string(src)) {
		schemaName := name
		if a, ok := alias[name]; ok {
			schemaName = a
		} else if slices.Contains(slices.Collect(maps.Values(alias)), name) {
			continue // compared under its alias
		}
		schema, ok := doc.Components.Schemas[schemaName]
		if !ok || len(schema.Properties) == 0 {
			continue
		}
		compared++
		// Its own properties must exist in the schema; inherited ones may be
		// absent (an optional field a variant never has).
		for prop := range ts.own {
			if _, ok := schema.Properties[prop]; !ok {
				t.Errorf("console type %s has %s, which schema %s does not", name, prop, schemaName)
			}
		}
		for prop, optional := range ts.all {
			if _, ok := schema.Properties[prop]; ok && optional && slices.Contains(schema.Required, prop) {
				t.Errorf("console type %s makes %s optional, but the API always sends it", name, prop)
			}
		}
		for _, prop := range schema.Required {
			if _, ok := ts.all[prop]; !ok {
				t.Errorf("console type %s lacks %s, which the API always sends", name, prop)
			}
		}
	}
	if compared < 60 {
		t.Errorf("only %d console types matched a schema by name; the check has lost its reach", compared)
	}
}

var (
	interfaceStart = regexp.MustCompile(`^(?:export )?interface (\w+)(?:<[^>]*>)?(?: extends ([\w, ]+))? \{$`)
	propertyLine   = regexp.MustCompile(`^  (\w+)(\??):`)
)

// tsInterface is an interface's properties (with whether each is optional):
// its own, and all with the inherited ones.
type tsInterface struct{ own, all map[string]bool }

// interfaces reads the interfaces of a TypeScript source.
func interfaces(src string) map[string]tsInterface {
	own := map[string]map[string]bool{}
	parents := map[string][]string{}
	var cur map[string]bool
	for _, line := range strings.Split(src, "\n") {
		if m := interfaceStart.FindStringSubmatch(line); m != nil {
			cur = map[string]bool{}
			own[m[1]] = cur
			for _, p := range strings.Split(m[2], ",") {
				if p = strings.TrimSpace(p); p != "" {
					parents[m[1]] = append(parents[m[1]], p)
				}
			}
			continue
		}
		if line == "}" {
			cur = nil
			continue
		}
		if m := propertyLine.FindStringSubmatch(line); cur != nil && m != nil {
			cur[m[1]] = m[2] == "?"
		}
	}
	var all func(name string) map[string]bool
	all = func(name string) map[string]bool {
		props := map[string]bool{}
		for _, p := range parents[name] {
			maps.Copy(props, all(p))
		}
		maps.Copy(props, own[name])
		return props
	}
	out := map[string]tsInterface{}
	for name := range own {
		out[name] = tsInterface{own: own[name], all: all(name)}
	}
	return out
}
