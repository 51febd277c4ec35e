package workflows

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func status(code int) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: errors.New("answer refused")}}
}

// TestPersist: an answer is sent again after server faults, never after a
// client error, and not after the caller gives up.
func TestPersist(t *testing.T) {
	tests := []struct {
		name      string
		answers   []error
		cancelled bool
		calls     int
		ok        bool
	}{
		{"first try", []error{nil}, false, 1, true},
		{"two faults then through", []error{status(500), status(503), nil}, false, 3, true},
		{"client error is final", []error{status(400), nil}, false, 1, false},
		{"faults to the end", []error{status(500), status(500), status(500), status(500), status(500), status(500), nil}, false, 6, false},
		{"caller gave up", []error{status(500), nil}, true, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancelled {
				cancel()
			}
			calls := 0
			err := persist(ctx, []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond}, func() error {
				calls++
				return tc.answers[calls-1]
			})
			if calls != tc.calls || (err == nil) != tc.ok {
				t.Errorf("calls = %d, err = %v; want %d calls, ok %v", calls, err, tc.calls, tc.ok)
			}
		})
	}
}
