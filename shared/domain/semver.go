package domain

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mpdp/platform/shared/lazyre"
)

// Semver is a semantic version (semver.org 2.0.0); build metadata is not allowed
// because it does not take part in ordering.
type Semver struct {
	Major, Minor, Patch int
	Pre                 []string // pre-release identifiers, e.g. ["beta", "2"]
}

var semverRE = lazyre.New(`^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-((?:0|[1-9]\d{0,8}|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d{0,8}|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$`)

// ParseSemver parses s, like "1.4.0" or "2.0.0-beta.2".
func ParseSemver(s string) (Semver, error) {
	m := semverRE.FindStringSubmatch(s)
	if m == nil || len(s) > 64 {
		return Semver{}, fmt.Errorf("%q is not a semantic version like 1.2.3 or 1.2.3-beta.1", s)
	}
	v := Semver{}
	v.Major, _ = strconv.Atoi(m[1])
	v.Minor, _ = strconv.Atoi(m[2])
	v.Patch, _ = strconv.Atoi(m[3])
	if m[4] != "" {
		v.Pre = strings.Split(m[4], ".")
	}
	return v, nil
}

func (v Semver) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if len(v.Pre) > 0 {
		s += "-" + strings.Join(v.Pre, ".")
	}
	return s
}

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than w, by semver precedence.
func (v Semver) Compare(w Semver) int {
	for _, d := range []int{v.Major - w.Major, v.Minor - w.Minor, v.Patch - w.Patch} {
		if d != 0 {
			return sign(d)
		}
	}
	switch {
	case len(v.Pre) == 0 && len(w.Pre) == 0:
		return 0
	case len(v.Pre) == 0:
		return 1 // a release outranks its pre-releases
	case len(w.Pre) == 0:
		return -1
	}
	for i := 0; i < len(v.Pre) && i < len(w.Pre); i++ {
		a, b := v.Pre[i], w.Pre[i]
		an, aErr := strconv.Atoi(a)
		bn, bErr := strconv.Atoi(b)
		switch {
		case aErr == nil && bErr == nil:
			if an != bn {
				return sign(an - bn)
			}
		case aErr == nil:
			return -1 // numeric identifiers rank below alphanumeric ones
		case bErr == nil:
			return 1
		case a != b:
			return sign(strings.Compare(a, b))
		}
	}
	return sign(len(v.Pre) - len(w.Pre))
}

// Key is a string whose byte order is the version's precedence, so DynamoDB sort
// keys and conditions can order versions: fixed-width numbers, then "~" for a
// release (it sorts after any pre-release) or each pre-release identifier after
// "," and a final "+". Both sort below every identifier character (even "-"),
// so a shorter list of equal identifiers sorts first, as semver requires.
func (v Semver) Key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%09d.%09d.%09d", v.Major, v.Minor, v.Patch)
	if len(v.Pre) == 0 {
		b.WriteString("~")
		return b.String()
	}
	for _, id := range v.Pre {
		b.WriteString(",")
		if n, err := strconv.Atoi(id); err == nil {
			fmt.Fprintf(&b, "0%09d", n) // numeric identifiers rank below alphanumeric ones
		} else {
			b.WriteString("1" + id)
		}
	}
	b.WriteString("+")
	return b.String()
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
