package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/mpdp/platform/localstack/gateway"
	"github.com/mpdp/platform/shared/api"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/storage"
)

// sideBySide holds each membership GetItem until another DynamoDB call has
// started since the last drain, and fails it after a few seconds otherwise.
// A read whose handler checks the membership first and reads the entity after
// it (two round trips in sequence) therefore fails; one that reads both at the
// same time goes through. The wait only bounds a deadlock, it measures nothing.
func sideBySide(started chan struct{}) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("sideBySide", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if g, ok := in.Parameters.(*dynamodb.GetItemInput); ok && isMembership(g) {
				select {
				case <-started:
				case <-time.After(5 * time.Second):
					return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("the membership read waited 5 s for the entity read: they run in sequence")
				}
			} else {
				select {
				case started <- struct{}{}:
				default:
				}
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	}
}

func isMembership(g *dynamodb.GetItemInput) bool {
	sk, ok := g.Key[resources.Table.SortKey].(*types.AttributeValueMemberS)
	return ok && strings.HasPrefix(sk.Value, "MEMBER#")
}

// Each read route of the bench reads the caller's membership and its entity
// (or a list's first page) at the same time: one round trip of latency.
func TestReadsCheckMembershipAlongsideTheEntity(t *testing.T) {
	ws, admin, mp := readyMiniProgram(t, "1.0.0")
	launchPath, _ := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	tenant := tenantAdmin(t)

	started := make(chan struct{}, 1)
	deps := env.Server.Deps
	deps.Store = storage.New(dynamodb.NewFromConfig(env.AWS, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, sideBySide(started))
	}), env.Config.TableName, nil)
	ts := httptest.NewServer(gateway.New(api.New(deps), env.Verifier))
	t.Cleanup(ts.Close)

	wsPath := "/v1/workspaces/" + ws
	for _, tc := range []struct {
		path string
		as   client
	}{
		{wsPath, admin},
		{wsPath + "/members", admin},
		{wsPath + "/invitations", admin},
		{wsPath + "/miniprograms", admin},
		{mp, admin},
		{mp + "/versions", admin},
		{mp + "/versions/1.0.0", admin},
		{mp + "/launches", admin},
		{launchPath, admin},
		{mp + "/release", admin},
		{"/v1/approvals?status=in_review", tenant},
	} {
		t.Run(tc.path, func(t *testing.T) {
			select { // a signal left by the previous request's later calls
			case <-started:
			default:
			}
			if r := tc.as.from(ts.URL, "127.0.0.1", "GET", tc.path, nil); r.Status != http.StatusOK {
				t.Errorf("GET %s: %d %s", tc.path, r.Status, r.Body)
			}
		})
	}
}

// notThroughAnotherWorkspace checks that the reads which find their workspace
// on the items they read (a mini program's launches, versions and release) stay
// 404 through another workspace, whatever the items hold.
func notThroughAnotherWorkspace(t *testing.T, mp string) {
	t.Helper()
	other, stranger := developerWorkspace(t)
	theirs := "/v1/workspaces/" + other + mp[strings.Index(mp, "/miniprograms/"):]
	for _, path := range []string{theirs + "/release", theirs + "/launches", theirs + "/launches?status=completed",
		theirs + "/launches?status=in_review", theirs + "/versions", theirs} {
		stranger.must(http.StatusNotFound, "GET", path, nil).problem(t)
	}
}

func TestReadsOfAnotherWorkspacesMiniProgram(t *testing.T) {
	_, admin, mp := readyMiniProgram(t, "1.0.0")
	notThroughAnotherWorkspace(t, mp) // no launch, no release yet
	launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	notThroughAnotherWorkspace(t, mp) // a launch in review
}
