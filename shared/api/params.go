package api

import (
	"net/url"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/lazyre"
)

// queryRule is what a query parameter must be, in the user's words.
type queryRule struct {
	name    string
	pattern *lazyre.Regexp
	what    string // like "the id of the app whose key signs the request"
	format  string // like "app_ followed by 1 to 64 lowercase letters or digits"
}

var (
	appParam  = queryRule{"app", appIDPattern, "the id of the app whose key signs the request", "app_ followed by 1 to 64 lowercase letters or digits, like app_7k2m9"}
	userParam = queryRule{"user", userIDPattern, "the super app's user id", "1 to 128 printable ASCII characters without spaces"}
)

// read reads a required query parameter, adding to v what is wrong with it:
// missing ("is required: ...") is told apart from sent but malformed ("must be ...").
func (q queryRule) read(v *domain.ValidationError, values url.Values) string {
	s := values.Get(q.name)
	switch {
	case s == "":
		v.Add(q.name, "is required: %s, %s", q.what, q.format)
	case !q.pattern.MatchString(s):
		v.Add(q.name, "is not %s: it must be %s", q.what, q.format)
	}
	return s
}
