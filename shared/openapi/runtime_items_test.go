package openapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/analytics"
)

// TestRuntimeItemSchemasMatchValidation: the RuntimeEvent and RuntimeCrash
// schemas state the rules shared/analytics enforces. Each case changes one
// field of a valid item; the schema must accept exactly the items the
// validation code accepts. (The timestamp's age window depends on the clock
// and is stated in the description only.)
func TestRuntimeItemSchemasMatchValidation(t *testing.T) {
	d := mustLoad(t)
	now := time.Now().UTC()
	ts := now.Add(-time.Minute).Format(time.RFC3339)
	event := map[string]any{"id": "evt-00000001", "miniProgramId": "mp_1", "version": "1.0.0", "userId": "u1",
		"sessionId": "ses-00000001", "type": "page_view", "page": "pages/index/index", "timestamp": ts}
	crash := map[string]any{"id": "crs-00000001", "miniProgramId": "mp_1", "version": "1.0.0", "userId": "u1",
		"message": "TypeError: x is undefined", "stack": "at a (app.js:1)", "os": "ios", "appVersion": "8.0.1",
		"device": "iPhone15,2", "page": "pages/index/index", "timestamp": ts}
	del := struct{}{} // a value meaning "leave the field out"

	type change = map[string]any
	common := []change{
		{}, {"id": "1234567"}, {"id": "12345678"}, {"id": strings.Repeat("a", 64)}, {"id": strings.Repeat("a", 65)},
		{"id": "evt 00000001"}, {"id": "evt/00000001"}, {"id": "e.v_t:0-00001"}, {"id": del}, {"id": 12345678},
		{"miniProgramId": ""}, {"miniProgramId": strings.Repeat("m", 64)}, {"miniProgramId": strings.Repeat("m", 65)},
		{"miniProgramId": "mp.1"}, {"miniProgramId": del},
		{"version": "1.0"}, {"version": "1.0.0-beta.1"}, {"version": "01.0.0"}, {"version": "1.0.0+build"}, {"version": del},
		{"userId": ""}, {"userId": "a@b.c=+:-_"}, {"userId": strings.Repeat("u", 128)}, {"userId": strings.Repeat("u", 129)},
		{"userId": "u 1"}, {"userId": "u/1"}, {"userId": del},
		{"timestamp": "yesterday"}, {"timestamp": del}, {"timestamp": now.Add(-time.Minute).Format(time.RFC3339Nano)},
		{"unknownField": 1},
	}
	events := append(common,
		change{"sessionId": "short"}, change{"sessionId": strings.Repeat("s", 64)}, change{"sessionId": strings.Repeat("s", 65)}, change{"sessionId": del},
		change{"type": "explode"}, change{"type": del},
		change{"type": "session_start", "page": del}, change{"type": "page_view", "page": del}, change{"type": "page_view", "page": ""},
		change{"page": strings.Repeat("p", 512)}, change{"page": strings.Repeat("p", 513)}, change{"page": "a\tb"}, change{"page": "a\u0085b"},
		change{"type": "session_end", "durationMs": 0}, change{"type": "session_end", "durationMs": 86400000},
		change{"type": "session_end", "durationMs": 86400001}, change{"type": "session_end", "durationMs": -1},
	)
	crashes := append(common,
		change{"message": "", "stack": ""}, change{"message": del, "stack": del}, change{"message": "   ", "stack": del},
		change{"message": del}, change{"stack": del}, change{"message": "line1\nline2"},
		change{"message": strings.Repeat("m", 2048)}, change{"message": strings.Repeat("m", 2049)},
		change{"stack": strings.Repeat("s", 32768)}, change{"stack": strings.Repeat("s", 32769)},
		change{"os": "windows"}, change{"os": del}, change{"os": "android"},
		change{"appVersion": ""}, change{"appVersion": strings.Repeat("1", 32)}, change{"appVersion": strings.Repeat("1", 33)},
		change{"appVersion": "8.0 beta"}, change{"appVersion": del},
		change{"device": strings.Repeat("d", 128)}, change{"device": strings.Repeat("d", 129)}, change{"device": "a\x01"},
		change{"page": strings.Repeat("p", 513)},
	)
	check := func(t *testing.T, kind string, base map[string]any, cases []change, parse func([]byte) (int, error)) {
		for _, c := range cases {
			item := map[string]any{}
			for k, v := range base {
				item[k] = v
			}
			for k, v := range c {
				if v == del {
					delete(item, k)
				} else {
					item[k] = v
				}
			}
			body, _ := json.Marshal(map[string]any{"items": []any{item}})
			accepted, err := parse(body)
			if err != nil {
				t.Fatalf("%s %v: %v", kind, c, err)
			}
			raw, _ := json.Marshal(item)
			v, _ := validateBody(nil, raw)
			schemaOK := d.schemas[kind].Validate(v) == nil
			if schemaOK != (accepted == 1) {
				t.Errorf("%s with %s: the schema says valid=%v, the validation code accepted=%v", kind, short(c), schemaOK, accepted == 1)
			}
		}
	}
	check(t, "RuntimeEvent", event, events, func(b []byte) (int, error) {
		evs, _, err := analytics.ParseBatch(b, 0, 0, now)
		return len(evs), err
	})
	check(t, "RuntimeCrash", crash, crashes, func(b []byte) (int, error) {
		crs, _, err := analytics.ParseCrashBatch(b, 0, 0, now)
		return len(crs), err
	})
}

func short(c map[string]any) string {
	s := fmt.Sprint(c)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
