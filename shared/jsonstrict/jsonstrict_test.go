package jsonstrict

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, body, want string // want: "" for accepted, else a part of the error
	}{
		{"plain object", `{"a":1,"b":"x"}`, ""},
		{"same key in sibling objects", `{"a":{"k":1},"b":{"k":2}}`, ""},
		{"same key at two depths", `{"k":{"k":{"k":1}}}`, ""},
		{"array of objects with the same keys", `{"items":[{"id":"a"},{"id":"b"}]}`, ""},
		{"escaped quote and backslash", `{"a":"\"\\","b":"\\u0041"}`, ""},
		{"surrogate pair", `{"a":"\ud83d\ude00"}`, ""},
		{"non-ASCII text", `{"name":"商店 ü"}`, ""},
		{"syntax error left to the decoder", `{"a":`, ""},
		{"duplicate at the top", `{"a":1,"a":2}`, `a: the key "a" appears more than once`},
		{"duplicate in a nested object", `{"x":{"b":1,"b":1}}`, `x.b: the key "b"`},
		{"duplicate in an array item", `{"items":[{"id":"a"},{"id":"b","id":"c"}]}`, `items[1].id: the key "id"`},
		{"duplicate after a nested value", `{"a":{"z":[1,{"q":1}]},"a":2}`, `a: the key "a"`},
		{"duplicate differing in case", `{"name":"a","Name":"b"}`, `Name: the key "Name" repeats "name"`},
		{"duplicate spelled with an escape", `{"ab":1,"a\u0062":2}`, `ab: the key "ab" appears more than once`},
		{"keys in sibling array items", `[{"a":1},{"a":2},{"A":3}]`, ""},
		{"invalid byte in a string", "{\"a\":\"\xff\"}", "not valid UTF-8 (first bad byte at offset 6)"},
		{"truncated sequence", "{\"a\":\"\xe5\x95\"}", "not valid UTF-8"},
		{"lone high surrogate", `{"a":"\ud800"}`, "lone UTF-16 surrogate"},
		{"lone low surrogate", `{"a":"x\udc00"}`, "lone UTF-16 surrogate"},
		{"high then non-surrogate", `{"a":"\ud800\u0041"}`, "lone UTF-16 surrogate"},
		{"lone surrogate in a key", `{"\udfff":1}`, "lone UTF-16 surrogate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Check([]byte(c.body))
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Check(%q) = %v, want nil", c.body, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Check(%q) = %v, want an error containing %q", c.body, err, c.want)
			}
		})
	}
}

// FuzzCheck: Check never panics, and whatever it accepts that encoding/json
// also accepts decodes without any U+FFFD that was not in the input and
// re-encodes with the same number of keys (no duplicate was dropped).
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":1,"a":2}`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `[{"a":[{"b":{}}]}]`, `{"a":"\ud83d\ude00"}`, `"x"`, `{"":{"":1},"":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if Check(body) != nil {
			return
		}
		var v any
		if json.Unmarshal(body, &v) != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if strings.Count(string(out), "\ufffd") > strings.Count(string(body), "\ufffd")+strings.Count(strings.ToLower(string(body)), `\ufffd`) {
			t.Fatalf("accepted %q, which decodes with a replacement character", body)
		}
		if countKeys(v) != countKeysRaw(t, body) {
			t.Fatalf("accepted %q, which loses a duplicate key", body)
		}
	})
}

func countKeys(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := len(x)
		for _, e := range x {
			n += countKeys(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += countKeys(e)
		}
		return n
	}
	return 0
}

// countKeysRaw counts object keys in the token stream (duplicates included).
func countKeysRaw(t *testing.T, body []byte) int {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	type fr struct{ obj, wantKey bool }
	var st []fr
	n := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		if len(st) > 0 && st[len(st)-1].obj && st[len(st)-1].wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				st = st[:len(st)-1]
				continue
			}
			n++
			st[len(st)-1].wantKey = false
			continue
		}
		if len(st) > 0 && st[len(st)-1].obj {
			st[len(st)-1].wantKey = true
		}
		switch tok {
		case json.Delim('{'):
			st = append(st, fr{obj: true, wantKey: true})
		case json.Delim('['):
			st = append(st, fr{})
		case json.Delim(']'):
			st = st[:len(st)-1]
		}
	}
}

// BenchmarkCheck measures the pass every request body now gets: a 60 KiB
// console body and a 1 MB batch of 500 runtime events (the largest of each).
func BenchmarkCheck(b *testing.B) {
	item := `{"id":"evt-00000001","miniProgramId":"mp_1","version":"1.0.0","userId":"u1","sessionId":"ses-0001","type":"page_view","page":"pages/index/index","timestamp":"2025-03-10T11:00:00Z"}`
	batch := `{"items":[` + strings.TrimSuffix(strings.Repeat(item+",", 500), ",") + `]}`
	for _, c := range []struct{ name, body string }{
		{"console-60KiB", `{"name":"` + strings.Repeat("商店 ", 60<<10/7) + `","tags":["a","b"]}`},
		{"batch-500-events", batch},
	} {
		b.Run(c.name, func(b *testing.B) {
			body := []byte(c.body)
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := Check(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
