package packages

import (
	"slices"
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []string // substrings of the messages, one per problem, in order
	}{
		{name: "minimal", json: `{"version": "0.1.0", "pages": ["index"]}`},
		{name: "full", json: validManifest},
		{name: "subPackages spelling", json: `{"version": "1.0.0-rc.1", "pages": ["a/b"], "subPackages": [{"root": "s", "pages": ["c"]}]}`},
		{name: "entryPagePath in a subpackage", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"root": "s", "pages": ["c"]}], "entryPagePath": "s/c"}`},

		{name: "byte order mark", json: "\ufeff" + `{"version": "1.0.0", "pages": ["a"]}`, want: []string{"byte order mark"}},
		{name: "empty", json: ``, want: []string{"not valid JSON"}},
		{name: "syntax", json: `{"version": "1.0.0" "pages": []}`, want: []string{"not valid JSON at byte 21"}},
		{name: "trailing data", json: `{"version": "1.0.0", "pages": ["a"]} {}`, want: []string{"not valid JSON"}},
		{name: "array", json: `["a"]`, want: []string{"must be a JSON object, not an array"}},
		{name: "string", json: `"a"`, want: []string{"must be a JSON object, not a string"}},
		{name: "null", json: `null`, want: []string{"must be a JSON object, not null"}},

		{name: "version missing", json: `{"pages": ["a"]}`, want: []string{"version is missing"}},
		{name: "version number", json: `{"version": 1, "pages": ["a"]}`, want: []string{"version must be a string, not a number"}},
		{name: "version null", json: `{"version": null, "pages": ["a"]}`, want: []string{"version must be a string, not null"}},
		{name: "version not semver", json: `{"version": "v1.0.0", "pages": ["a"]}`, want: []string{`version: "v1.0.0" is not a semantic version`}},
		{name: "version build metadata", json: `{"version": "1.0.0+git", "pages": ["a"]}`, want: []string{"is not a semantic version"}},

		{name: "pages missing", json: `{"version": "1.0.0"}`, want: []string{"pages is missing"}},
		{name: "pages empty", json: `{"version": "1.0.0", "pages": []}`, want: []string{"pages is empty"}},
		{name: "pages object", json: `{"version": "1.0.0", "pages": {}}`, want: []string{"pages must be an array of page paths, not an object"}},
		{name: "page not a string", json: `{"version": "1.0.0", "pages": ["a", 2, null]}`,
			want: []string{"pages[1] must be a string, not a number", "pages[2] must be a string, not null"}},
		{name: "page with extension", json: `{"version": "1.0.0", "pages": ["pages/index.js"]}`, want: []string{`pages[0] "pages/index.js" has the extension .js`}},
		{name: "page with ..", json: `{"version": "1.0.0", "pages": ["a/../b"]}`, want: []string{`pages[0] "a/../b" has a ".." segment`}},
		{name: "page with .", json: `{"version": "1.0.0", "pages": ["./a"]}`, want: []string{`pages[0] "./a" has a "." segment`}},
		{name: "page absolute", json: `{"version": "1.0.0", "pages": ["/a"]}`, want: []string{`pages[0] "/a" is absolute`}},
		{name: "page trailing slash", json: `{"version": "1.0.0", "pages": ["a/"]}`, want: []string{`pages[0] "a/" has an empty segment`}},
		{name: "page backslash", json: `{"version": "1.0.0", "pages": ["a\\b"]}`, want: []string{"backslash"}},
		{name: "page empty", json: `{"version": "1.0.0", "pages": [""]}`, want: []string{`pages[0] "" is empty`}},
		{name: "duplicate page", json: `{"version": "1.0.0", "pages": ["a", "b", "a"]}`, want: []string{`pages[2] "a" repeats pages[0]`}},

		{name: "subpackages not an array", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": {}}`, want: []string{"subpackages must be an array"}},
		{name: "subpackage not an object", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": ["s"]}`, want: []string{"subpackages[0] must be an object, not a string"}},
		{name: "subpackage root missing", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"pages": ["c"]}]}`, want: []string{"subpackages[0].root is missing"}},
		{name: "subpackage pages missing", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"root": "s"}]}`, want: []string{"subpackages[0].pages is missing"}},
		{name: "subpackage root ..", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"root": "../s", "pages": ["c"]}]}`,
			want: []string{`subpackages[0].root "../s" has a ".." segment`}},
		{name: "subpackage root absolute", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"root": "/", "pages": ["c"]}]}`,
			want: []string{`subpackages[0].root "/" is absolute`}},
		{name: "subpackage root dot", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"root": ".", "pages": ["c"]}]}`,
			want: []string{`subpackages[0].root "." has a "." segment`}},
		{name: "subpackage roots equal", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"root": "s", "pages": ["c"]}, {"root": "s/", "pages": ["d"]}]}`,
			want: []string{`subpackages[1].root "s" overlaps subpackages[0].root "s"`}},
		{name: "subpackage roots nested", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"root": "s/t", "pages": ["c"]}, {"root": "x", "pages": ["c"]}, {"root": "s", "pages": ["d"]}]}`,
			want: []string{`subpackages[2].root "s" overlaps subpackages[0].root "s/t"`}},
		{name: "roots sharing a prefix do not overlap", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"root": "s", "pages": ["c"]}, {"root": "sx", "pages": ["c"]}]}`},
		{name: "main page inside a subpackage", json: `{"version": "1.0.0", "pages": ["s/c"], "subpackages": [{"root": "s", "pages": ["d"]}]}`,
			want: []string{`pages[0] "s/c" lies inside the subpackage root "s"`}},
		{name: "page repeated in a subpackage", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [{"root": "s", "pages": ["c", "c"]}]}`,
			want: []string{`subpackages[0].pages[1] "s/c" repeats subpackages[0].pages[0]`}},
		{name: "both spellings", json: `{"version": "1.0.0", "pages": ["a"], "subpackages": [], "subPackages": []}`, want: []string{"both subpackages and subPackages"}},
		{name: "entryPagePath undeclared", json: `{"version": "1.0.0", "pages": ["a"], "entryPagePath": "b"}`, want: []string{`entryPagePath "b" is not one of the declared pages`}},
		{name: "keys are case-sensitive", json: `{"Version": "1.0.0", "Pages": ["a"]}`, want: []string{"version is missing", "pages is missing"}},
		{name: "every problem at once", json: `{"version": "x", "pages": ["a.js", 1], "subpackages": [{"root": "..", "pages": []}]}`,
			want: []string{"version:", "pages[0]", "pages[1]", "subpackages[0].pages is empty", "subpackages[0].root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, problems := ParseManifest([]byte(tt.json))
			if len(problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(problems), len(tt.want), problemList(Report{Problems: problems}))
			}
			for i, p := range problems {
				if p.Code != CodeManifestInvalid || p.Path != ManifestName {
					t.Errorf("problem %d: code %q path %q", i, p.Code, p.Path)
				}
				if !strings.Contains(p.Message, tt.want[i]) {
					t.Errorf("problem %d: %q does not contain %q", i, p.Message, tt.want[i])
				}
			}
			if len(problems) == 0 && (m.Version == "" || len(m.Pages) == 0) {
				t.Errorf("valid manifest parsed as %+v", m)
			}
		})
	}
}

func TestParseManifestKeepsValidParts(t *testing.T) {
	m, problems := ParseManifest([]byte(`{
		"version": "2.1.0",
		"pages": ["a", "b.js", "c", "a"],
		"subpackages": [{"root": "s/", "pages": ["x", "../y"]}, {"root": "/bad", "pages": ["z"]}],
		"entryPagePath": "c",
		"window": {"title": "t"}
	}`))
	if len(problems) != 4 { // b.js, repeated a, ../y, /bad
		t.Errorf("got %d problems:\n%s", len(problems), problemList(Report{Problems: problems}))
	}
	if m.Version != "2.1.0" || m.EntryPage() != "c" || string(m.Window) != `{"title": "t"}` {
		t.Errorf("manifest = %+v", m)
	}
	if got, want := m.AllPages(), []string{"a", "c", "s/x"}; !slices.Equal(got, want) {
		t.Errorf("AllPages = %q, want %q", got, want)
	}
}
