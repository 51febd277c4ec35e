package resources_test

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/mpdp/platform/shared/resources"
)

// The console states the password policy before people type and checks it
// before sending: its minimum length must be the user pool's.
func TestConsolePasswordMinLength(t *testing.T) {
	src, err := os.ReadFile("../../console/src/lib/password.ts")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`export const minLength = (\d+);`).FindSubmatch(src)
	if m == nil {
		t.Fatal("console/src/lib/password.ts declares no minLength")
	}
	n, _ := strconv.Atoi(string(m[1]))
	if want := resources.UserPool.PasswordMinLength; n != want {
		t.Errorf("the console's minimum password length is %d, the user pool's %d", n, want)
	}
}
