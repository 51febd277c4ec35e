package api_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"
)

// A crafted cursor is a 400 on every kind of list (a table partition with a
// sort key prefix, and an index), never a DynamoDB failure surfacing as a 5xx.
func TestCraftedCursorsAreBadRequests(t *testing.T) {
	ws, admin := developerWorkspace(t)
	miniProgram(t, admin, ws, "Cursor Shop")
	cursor := func(m map[string]string) string {
		b, _ := json.Marshal(m)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	members, mps := "/v1/workspaces/"+ws+"/members", "/v1/workspaces/"+ws+"/miniprograms"
	for name, tc := range map[string]struct{ path, cursor string }{
		"members: an extra key attribute": {members, cursor(map[string]string{"pk": "WS#" + ws, "sk": "MEMBER#x", "gsi1pk": "x"})},
		"members: another kind of item":   {members, cursor(map[string]string{"pk": "WS#" + ws, "sk": "ZZZ"})},
		"index: another index's key": {mps, cursor(map[string]string{"pk": "MP#x", "sk": "MP#x",
			"gsi1pk": "WS#" + ws + "#MPS", "gsi2sk": "x"})},
		"index: an extra key attribute": {mps, cursor(map[string]string{"pk": "MP#x", "sk": "MP#x",
			"gsi1pk": "WS#" + ws + "#MPS", "gsi1sk": "x", "gsi3pk": "y"})},
	} {
		t.Run(name, func(t *testing.T) {
			admin.t = t
			p := admin.must(400, "GET", tc.path+"?cursor="+tc.cursor, nil).problem(t)
			if f := p.fields(); len(f) != 1 || f[0] != "cursor" {
				t.Fatalf("problem %+v", p)
			}
		})
	}
}
