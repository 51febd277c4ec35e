package analytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func ev(id string, mod func(m map[string]any)) map[string]any {
	m := map[string]any{
		"id": id, "miniProgramId": "mp_abc", "version": "1.2.0", "userId": "u1",
		"sessionId": "sess-0001", "type": "page_view", "page": "pages/index/index",
		"timestamp": now.Add(-time.Hour).Format(time.RFC3339),
	}
	if mod != nil {
		mod(m)
	}
	return m
}

func batch(items ...any) []byte {
	b, _ := json.Marshal(map[string]any{"items": items})
	return b
}

func TestParseBatchItems(t *testing.T) {
	tests := []struct {
		name, field string
		mod         func(m map[string]any)
	}{
		{"ok", "", nil},
		{"session end", "", func(m map[string]any) { m["type"] = "session_end"; m["durationMs"] = 5000; delete(m, "page") }},
		{"short id", "id", func(m map[string]any) { m["id"] = "abc" }},
		{"id unsafe", "id", func(m map[string]any) { m["id"] = "abcdefgh/../" }},
		{"id wrong type", "id", func(m map[string]any) { m["id"] = 12345678 }},
		{"no mp", "miniProgramId", func(m map[string]any) { delete(m, "miniProgramId") }},
		{"bad version", "version", func(m map[string]any) { m["version"] = "1.2" }},
		{"no user", "userId", func(m map[string]any) { m["userId"] = "" }},
		{"no session", "sessionId", func(m map[string]any) { delete(m, "sessionId") }},
		{"bad type", "type", func(m map[string]any) { m["type"] = "click" }},
		{"page view without page", "page", func(m map[string]any) { delete(m, "page") }},
		{"page too long", "page", func(m map[string]any) { m["page"] = strings.Repeat("p", MaxPage+1) }},
		{"negative duration", "durationMs", func(m map[string]any) { m["durationMs"] = -1 }},
		{"unix ms timestamp", "timestamp", func(m map[string]any) { m["timestamp"] = now.UnixMilli() }},
		{"bad timestamp", "timestamp", func(m map[string]any) { m["timestamp"] = "yesterday" }},
		{"too old", "timestamp", func(m map[string]any) { m["timestamp"] = now.Add(-8 * 24 * time.Hour).Format(time.RFC3339) }},
		{"future", "timestamp", func(m map[string]any) { m["timestamp"] = now.Add(6 * time.Minute).Format(time.RFC3339) }},
		{"slight skew ok", "", func(m map[string]any) { m["timestamp"] = now.Add(4 * time.Minute).Format(time.RFC3339) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, rej, err := ParseBatch(batch(ev("evt-00000001", tt.mod)), 0, 0, now)
			if err != nil {
				t.Fatal(err)
			}
			if tt.field == "" {
				if len(events) != 1 || len(rej) != 0 {
					t.Fatalf("want accepted, got %v %+v", events, rej)
				}
				return
			}
			if len(events) != 0 || len(rej) != 1 || rej[0].Field != tt.field || rej[0].Index != 0 || rej[0].Reason == "" {
				t.Fatalf("want rejection of %s, got %v %+v", tt.field, events, rej)
			}
		})
	}
}

func TestParseBatchPoisonedItemIsolated(t *testing.T) {
	body := batch(
		ev("evt-00000001", nil),
		"not an object",
		ev("evt-00000002", func(m map[string]any) { m["version"] = map[string]any{"x": 1} }),
		ev("evt-00000003", nil),
		ev("evt-00000001", nil), // duplicate inside the batch
		nil,
		ev("evt-00000004", func(m map[string]any) { m["type"] = "session_start" }),
	)
	events, rej, err := ParseBatch(body, 0, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 || len(rej) != 4 {
		t.Fatalf("accepted %d rejected %+v", len(events), rej)
	}
	want := []int{1, 2, 4, 5}
	for i, r := range rej {
		if r.Index != want[i] {
			t.Errorf("rejection %d index %d, want %d", i, r.Index, want[i])
		}
	}
	if rej[1].ID != "evt-00000002" || rej[1].Field != "version" || rej[2].Reason != "duplicate id in batch" {
		t.Errorf("rejections %+v", rej)
	}
}

func TestParseBatchEnvelope(t *testing.T) {
	many := make([]any, 501)
	for i := range many {
		many[i] = ev(fmt.Sprintf("evt-%08d", i), nil)
	}
	tests := []struct {
		name   string
		body   []byte
		want   error
		status int
	}{
		{"not json", []byte("{"), ErrMalformed, 400},
		{"no items", []byte(`{"events":[]}`), ErrMalformed, 400},
		{"items not array", []byte(`{"items":{}}`), ErrMalformed, 400},
		{"empty", []byte(`{"items":[]}`), ErrMalformed, 400},
		{"trailing", []byte(`{"items":[{}]} x`), ErrMalformed, 400},
		{"array", []byte(`[]`), ErrMalformed, 400},
		{"too many", batch(many...), ErrTooManyItems, 413},
		{"too large", append([]byte(`{"items":[`), make([]byte, DefaultMaxBytes)...), ErrTooLarge, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseBatch(tt.body, 500, 0, now)
			if !errors.Is(err, tt.want) || StatusOf(err) != tt.status {
				t.Fatalf("err %v, want %v (%d)", err, tt.want, tt.status)
			}
		})
	}
}

// TestParseBatchEnvelopeSaysWhatIsWrong: a refused envelope says what is wrong
// in JSON's terms, never encoding/json's words about Go types, and a body that
// is not UTF-8 or repeats a key is refused rather than read with U+FFFD or the
// last value.
func TestParseBatchEnvelopeSaysWhatIsWrong(t *testing.T) {
	item := `{"id":"evt-00000001","miniProgramId":"mp_1","version":"1.0.0","userId":"u1","sessionId":"ses-0001","type":"session_start","timestamp":"2025-03-10T11:00:00Z"}`
	for _, c := range []struct{ name, body, want string }{
		{"items a string", `{"items":"x"}`, `"items" must be an array of objects, not a string`},
		{"items a number", `{"items":5}`, `"items" must be an array of objects, not a number`},
		{"items an object", `{"items":{}}`, `"items" must be an array of objects, not an object`},
		{"body an array", `[` + item + `]`, `the body must be a JSON object like {"items":[...]}, not an array`},
		{"body a string", `"items"`, `not a string`},
		{"no items", `{"events":[]}`, `the body must be {"items":[...]}`},
		{"syntax", `{"items":[`, "malformed JSON"},
		{"syntax at a byte", `{"items":x}`, "malformed JSON at byte 10"},
		{"invalid UTF-8", "{\"items\":[" + strings.Replace(item, "u1", "u\xff", 1) + "]}", "not valid UTF-8"},
		{"lone surrogate", `{"items":[` + strings.Replace(item, "u1", `u\udc00`, 1) + `]}`, "lone UTF-16 surrogate"},
		{"duplicate items", `{"items":[],"items":[` + item + `]}`, `items: the key "items" appears more than once`},
		{"duplicate key in an item", `{"items":[` + strings.Replace(item, `"userId":"u1"`, `"userId":"u1","userId":"u2"`, 1) + `]}`, `items[0].userId: the key "userId"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ParseBatch([]byte(c.body), 500, 0, now)
			if !errors.Is(err, ErrMalformed) || StatusOf(err) != 400 {
				t.Fatalf("err %v, want a malformed batch (400)", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %q, want it to contain %q", err, c.want)
			}
			for _, goWord := range []string{"Go ", "struct", "json:", "RawMessage", "[]json"} {
				if strings.Contains(err.Error(), goWord) {
					t.Errorf("err %q names Go's %q", err, goWord)
				}
			}
		})
	}
}

func TestParseCrashBatch(t *testing.T) {
	cr := func(id string, mod func(m map[string]any)) map[string]any {
		m := map[string]any{
			"id": id, "miniProgramId": "mp_abc", "version": "1.2.0", "userId": "u1",
			"message": "TypeError: x is undefined", "stack": "at f (a.js:1:1)", "page": "pages/a/a",
			"os": "ios", "appVersion": "8.0.47", "device": "iPhone15,2",
			"timestamp": now.Add(-time.Minute).Format(time.RFC3339Nano),
		}
		if mod != nil {
			mod(m)
		}
		return m
	}
	tests := []struct {
		name, field string
		mod         func(m map[string]any)
	}{
		{"ok", "", nil},
		{"stack only", "", func(m map[string]any) { m["message"] = "" }},
		{"nothing", "message", func(m map[string]any) { m["message"] = ""; m["stack"] = "" }},
		{"message too long", "message", func(m map[string]any) { m["message"] = strings.Repeat("m", MaxMsg+1) }},
		{"stack too long", "stack", func(m map[string]any) { m["stack"] = strings.Repeat("s", MaxStack+1) }},
		{"bad os", "os", func(m map[string]any) { m["os"] = "windows" }},
		{"no app version", "appVersion", func(m map[string]any) { delete(m, "appVersion") }},
		{"device control chars", "device", func(m map[string]any) { m["device"] = "a\x00b" }},
		{"bad version", "version", func(m map[string]any) { m["version"] = "v1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crashes, rej, err := ParseCrashBatch(batch(cr("crash-0001", tt.mod)), 0, 0, now)
			if err != nil {
				t.Fatal(err)
			}
			if tt.field == "" {
				if len(crashes) != 1 || len(rej) != 0 {
					t.Fatalf("want accepted, got %+v", rej)
				}
				return
			}
			if len(rej) != 1 || rej[0].Field != tt.field {
				t.Fatalf("want rejection of %s, got %+v", tt.field, rej)
			}
		})
	}
}

func TestBatchKeyOrderIndependent(t *testing.T) {
	if BatchKey([]string{"a", "b", "c"}) != BatchKey([]string{"c", "a", "b"}) {
		t.Fatal("order matters")
	}
	if BatchKey([]string{"ab", "c"}) == BatchKey([]string{"a", "bc"}) {
		t.Fatal("ambiguous")
	}
}

func FuzzParseBatch(f *testing.F) {
	f.Add(batch(ev("evt-00000001", nil), 3, "x", nil))
	f.Add([]byte(`{"items":[{"id":1},{"timestamp":"2025-03-10T11:00:00Z"},[]]}`))
	f.Add([]byte(`{"items":[{"id":"evt-00000001","type":"session_end","durationMs":1e99}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, rej, err := ParseBatch(body, 50, 1<<16, now)
		crashes, crej, cerr := ParseCrashBatch(body, 50, 1<<16, now)
		if (err == nil) != (cerr == nil) {
			t.Fatalf("envelope verdicts differ: %v / %v", err, cerr)
		}
		if err != nil {
			return
		}
		var env struct{ Items []json.RawMessage }
		if json.Unmarshal(body, &env) != nil {
			t.Fatal("accepted a malformed envelope")
		}
		if len(events)+len(rej) != len(env.Items) || len(crashes)+len(crej) != len(env.Items) {
			t.Fatalf("items %d, events %d+%d, crashes %d+%d", len(env.Items), len(events), len(rej), len(crashes), len(crej))
		}
	})
}
