package workflows_test

import (
	"testing"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/workflows"
)

// The workflow records a rejection's reason as the requester reads it, from the
// API's decision and from the worker's answer to an already decided review alike.
func TestReviewOfLabelsTheReason(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    domain.Approval
		want workflows.ReviewResult
	}{
		{"coded rejection", domain.Approval{Status: domain.ApprovalRejected, DecidedBy: "u1", Reason: "No policy", ReasonCode: "privacy"},
			workflows.ReviewResult{Decision: "rejected", By: "u1", Reason: "Privacy: No policy"}},
		{"rejection without code", domain.Approval{Status: domain.ApprovalRejected, DecidedBy: "u1", Reason: "No policy"},
			workflows.ReviewResult{Decision: "rejected", By: "u1", Reason: "No policy"}},
		{"approval", domain.Approval{Status: domain.ApprovalApproved, DecidedBy: "u2"},
			workflows.ReviewResult{Decision: "approved", By: "u2"}},
	} {
		if got := workflows.ReviewOf(tc.a); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
