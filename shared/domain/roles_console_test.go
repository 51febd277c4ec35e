package domain

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// TestConsoleRolesMatchPermissions keeps the console's copy of the role matrix
// (which only decides what the console offers) equal to the one the API enforces.
func TestConsoleRolesMatchPermissions(t *testing.T) {
	data, err := os.ReadFile("../../console/src/lib/roles.json")
	if err != nil {
		t.Fatalf("read the console's role matrix: %v", err)
	}
	var console map[Role][]Action
	if err := json.Unmarshal(data, &console); err != nil {
		t.Fatalf("console/src/lib/roles.json: %v", err)
	}
	want := map[Role][]Action{}
	for role, acts := range permissions {
		for a, ok := range acts {
			if ok {
				want[role] = append(want[role], a)
			}
		}
	}
	if len(console) != len(want) {
		t.Errorf("console roles %v, API roles %v", len(console), len(want))
	}
	for role, acts := range want {
		got := slices.Clone(console[role])
		slices.Sort(got)
		slices.Sort(acts)
		if !slices.Equal(got, acts) {
			t.Errorf("role %s: console allows %v, the API allows %v", role, got, acts)
		}
	}
}
