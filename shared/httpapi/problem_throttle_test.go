package httpapi

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/domain"
)

func TestThrottledIs429WithRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		after time.Duration
		want  string
	}{{90 * time.Second, "90"}, {1500 * time.Millisecond, "2"}, {0, "1"}} {
		rec := httptest.NewRecorder()
		err := fmt.Errorf("apply: %w", &domain.Throttled{RetryAfter: tc.after, Detail: "too many applications"})
		WriteError(rec, httptest.NewRequest("POST", "/v1/applications", nil), err)
		if rec.Code != 429 || rec.Header().Get("Retry-After") != tc.want || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%v: %d Retry-After %q %s", tc.after, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
	}
}
