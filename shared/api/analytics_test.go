package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/localstack/poller"
	"github.com/mpdp/platform/shared/appkeys"
	"github.com/mpdp/platform/shared/resources"
)

// runtimePost sends a signed batch to the runtime API.
func runtimePost(t *testing.T, target string, k keyBody, body any) response {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", gw.URL+target, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if err := appkeys.SignRequest(req, k.KeyID, k.Secret, b, time.Now(), appkeys.NewNonce()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Header: res.Header, Body: rb}
	checkContract(t, "POST", target, r)
	return r
}

func analyticsPoller() *poller.Poller {
	p := env.Pollers()[3]
	p.Wait = -1
	retry := time.Duration(0)
	p.RetryAfter = &retry
	return p
}

// aggregate runs the analytics worker until the queue is empty.
func aggregate(t testing.TB) {
	t.Helper()
	p := analyticsPoller()
	for range 100 {
		n, err := p.Once(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the analytics queue does not drain")
}

type ingestBody struct {
	Accepted int
	Rejected []struct {
		Index     int
		ID, Field string
		Reason    string
	}
}

type seriesBody struct {
	Metric, Version string
	Points          []struct {
		Day      string
		Value    float64
		StdError float64
	}
	Total         float64
	TotalStdError float64
	TopPages      []struct {
		Page  string
		Views int
	}
}

func event(id, mp, version, user, typ, page string, at time.Time, extra ...any) map[string]any {
	e := map[string]any{"id": id, "miniProgramId": mp, "version": version, "userId": user, "sessionId": "session-" + user,
		"type": typ, "timestamp": at.Format(time.RFC3339Nano)}
	if page != "" {
		e["page"] = page
	}
	for i := 0; i+1 < len(extra); i += 2 {
		e[extra[i].(string)] = extra[i+1]
	}
	return e
}

func TestRuntimeEventsAggregated(t *testing.T) {
	tenant := tenantAdmin(t)
	ws, admin := developerWorkspace(t)
	mpPath := miniProgram(t, admin, ws, "Analytics Shop")
	mp := path.Base(mpPath)
	app := createApp(t, tenant, "Analytics App")
	k := createKey(t, tenant, app.ID)
	target := "/v1/runtime/events?app=" + app.ID

	at := time.Now().UTC().Add(-time.Minute)
	day := at.Format(time.DateOnly)
	from := at.AddDate(0, 0, -1).Format(time.DateOnly)
	n := 0
	id := func() string { n++; return fmt.Sprintf("evt-%s-%04d", mp, n) }
	items := []any{
		event(id(), mp, "1.0.0", "u1", "session_start", "", at),
		event(id(), mp, "1.0.0", "u1", "page_view", "/pages/index/index", at),
		event(id(), mp, "1.0.0", "u1", "page_view", "pages/item/item?id=1", at),
		event(id(), mp, "1.0.0", "u1", "page_view", "pages/item/item?id=2", at),
		event(id(), mp, "1.0.0", "u1", "session_end", "", at, "durationMs", 60000),
		event(id(), mp, "1.0.0", "u2", "session_start", "", at),
		event(id(), mp, "1.0.0", "u2", "page_view", "pages/index/index", at),
		event(id(), mp, "1.0.0", "u2", "session_end", "", at, "durationMs", 30000),
		event(id(), mp, "1.1.0", "u3", "session_start", "", at),
		event(id(), mp, "1.1.0", "u3", "page_view", "pages/index/index", at),
		event(id(), mp, "1.1.0", "u3", "page_view", "pages/item/item", at),
		// poisoned items: an unknown type and one without an id
		event(id(), mp, "1.1.0", "u3", "explode", "", at),
		map[string]any{"miniProgramId": mp, "version": "1.0.0", "userId": "u9", "type": "page_view", "timestamp": at.Format(time.RFC3339)},
	}
	var res ingestBody
	r := runtimePost(t, target, k, map[string]any{"items": items})
	if r.Status != 202 {
		t.Fatalf("ingest: %d %s", r.Status, r.Body)
	}
	r.decode(t, &res)
	if res.Accepted != 11 || len(res.Rejected) != 2 || res.Rejected[0].Index != 11 || res.Rejected[1].Index != 12 ||
		res.Rejected[0].Reason == "" || res.Rejected[0].ID == "" {
		t.Fatalf("ingest result %s", r.Body)
	}
	// The client retries the same batch: it is accepted again but never counted twice.
	if r := runtimePost(t, target, k, map[string]any{"items": items}); r.Status != 202 {
		t.Fatalf("retry: %d %s", r.Status, r.Body)
	}
	// A poisoned message in the queue fails on its own; the batches beside it are applied.
	sq := sqs.NewFromConfig(env.AWS)
	if _, err := sq.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &env.Config.AnalyticsQueueURL,
		MessageBody: aws.String(`{"kind":"events","events":[{"id":42}]}`)}); err != nil {
		t.Fatal(err)
	}
	aggregate(t)
	// It ended in the dead-letter queue.
	dlq, err := sq.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(resources.AnalyticsQueue.DeadLetterName())})
	if err != nil {
		t.Fatal(err)
	}
	dead, err := sq.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, MaxNumberOfMessages: 10})
	if err != nil || len(dead.Messages) != 1 || !strings.Contains(aws.ToString(dead.Messages[0].Body), `"id":42`) {
		t.Errorf("dead letters %+v %v", dead, err)
	}

	get := func(query string) seriesBody {
		t.Helper()
		var s seriesBody
		admin.must(200, "GET", mpPath+"/analytics?from="+from+"&to="+day+query, nil).decode(t, &s)
		if len(s.Points) != 2 || s.Points[1].Day != day || s.Points[0].Value != 0 {
			t.Fatalf("series %+v", s)
		}
		return s
	}
	for metric, want := range map[string]float64{"pageViews": 6, "uniqueVisitors": 3, "newVisitors": 3, "sessions": 3,
		"avgSessionMs": 45000, "visitDepth": 2} {
		if got := get("&metric=" + metric).Points[1].Value; math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", metric, got, want)
		}
	}
	// Approximate metrics state their standard error; exact ones have none.
	if nv := get("&metric=newVisitors"); nv.TotalStdError <= 0 || nv.Points[1].StdError <= 0 || nv.TotalStdError > 1 {
		t.Errorf("newVisitors error %+v", nv)
	}
	if pv := get("&metric=pageViews"); pv.TotalStdError != 0 || pv.Points[1].StdError != 0 {
		t.Errorf("pageViews error %+v", pv)
	}
	all := get("")
	if all.Metric != "pageViews" || all.Version != "all" || all.Total != 6 || len(all.TopPages) != 2 ||
		all.TopPages[0].Page != "pages/index/index" || all.TopPages[0].Views != 3 || all.TopPages[1].Views != 3 {
		t.Errorf("all versions %+v", all)
	}
	if v := get("&version=1.1.0"); v.Points[1].Value != 2 || v.Version != "1.1.0" {
		t.Errorf("version 1.1.0 %+v", v)
	}

	// A second batch: a returning visitor and a new one.
	more := []any{event(id(), mp, "1.1.0", "u1", "page_view", "pages/index/index", at),
		event(id(), mp, "1.1.0", "u4", "page_view", "pages/index/index", at)}
	if r := runtimePost(t, target, k, map[string]any{"items": more}); r.Status != 202 {
		t.Fatalf("second batch: %d %s", r.Status, r.Body)
	}
	aggregate(t)
	for metric, want := range map[string]float64{"pageViews": 8, "uniqueVisitors": 4, "newVisitors": 4} {
		if got := get("&metric=" + metric).Points[1].Value; got != want {
			t.Errorf("after the second batch %s = %v, want %v", metric, got, want)
		}
	}

	// Ranges and parameters are validated.
	for _, q := range []string{"", "?from=" + day, "?from=" + day + "&to=" + from, "?from=2020-01-01&to=2020-06-01",
		"?from=" + from + "&to=" + day + "&metric=bogus", "?from=" + from + "&to=" + day + "&version=x", "?from=yesterday&to=" + day,
		"?from=" + day + "&to=" + at.AddDate(0, 0, 3).Format(time.DateOnly)} {
		if p := admin.must(400, "GET", mpPath+"/analytics"+q, nil).problem(t); len(p.fields()) == 0 {
			t.Errorf("%q: no field errors: %+v", q, p)
		}
	}
	// Envelope errors refuse the whole batch.
	if r := runtimePost(t, target, k, map[string]any{"nope": 1}); r.Status != 400 {
		t.Errorf("malformed batch: %d %s", r.Status, r.Body)
	}
	big := make([]any, 501)
	for i := range big {
		big[i] = event(fmt.Sprintf("big-%s-%04d", mp, i), mp, "1.0.0", "u1", "page_view", "p", at)
	}
	if r := runtimePost(t, target, k, map[string]any{"items": big}); r.Status != 413 {
		t.Errorf("501 items: %d %s", r.Status, r.Body)
	}
	if r := runtimePost(t, target, keyBody{KeyID: k.KeyID, Secret: "mpdpsk_wrong"}, map[string]any{"items": more}); r.Status != 401 {
		t.Errorf("bad signature: %d", r.Status)
	}
	aggregate(t)
	if got := get("").Points[1].Value; got != 8 {
		t.Errorf("refused batches changed the counts: %v", got)
	}
}

const crashStack = `TypeError: Cannot read properties of undefined (reading 'price')
    at Page.onLoad (https://cdn.example.com/build/3f9a1c2b77/pages/cart/index.3f9a1c.js:120:17)
    at async Object.loadItems [as load] (https://cdn.example.com/build/3f9a1c2b77/utils/api.js:44:9)
    at Function.<anonymous> (WAService.js:1:2345)`

type crashGroupBody struct {
	Fingerprint, Title, Status, ResolvedIn, RegressedIn string
	Regression                                          bool
	Versions                                            []string
	Occurrences, AffectedUsers, TotalOccurrences        int
	Version                                             int
	Days                                                []struct {
		Day         string
		Occurrences int
	}
	Samples []struct{ ID string }
}

func TestRuntimeCrashesGroupedResolvedAndRegressed(t *testing.T) {
	tenant := tenantAdmin(t)
	ws, admin := developerWorkspace(t)
	developer := addMember(t, admin, ws, "developer")
	mpPath := miniProgram(t, admin, ws, "Crashy Shop")
	mp := path.Base(mpPath)
	app := createApp(t, tenant, "Crash App")
	k := createKey(t, tenant, app.ID)
	target := "/v1/runtime/crashes?app=" + app.ID
	at := time.Now().UTC().Add(-time.Minute)
	day := at.Format(time.DateOnly)
	n := 0
	crash := func(version, user, stack string) map[string]any {
		n++
		return map[string]any{"id": fmt.Sprintf("crash-%s-%04d", mp, n), "miniProgramId": mp, "version": version, "userId": user,
			"message": strings.SplitN(stack, "\n", 2)[0], "stack": stack, "os": "ios", "appVersion": "8.1.0",
			"timestamp": at.Format(time.RFC3339Nano)}
	}
	moved := strings.NewReplacer(":120:17", ":131:5", ":44:9", ":50:1").Replace(crashStack)
	other := strings.Replace(crashStack, "Page.onLoad", "Page.onShow", 1)
	batch := []any{crash("1.0.0", "c1", crashStack), crash("1.0.0", "c2", moved), crash("1.0.0", "c1", moved), crash("1.0.0", "c3", other)}
	if r := runtimePost(t, target, k, map[string]any{"items": batch}); r.Status != 202 {
		t.Fatalf("ingest: %d %s", r.Status, r.Body)
	}
	aggregate(t)

	var list struct{ Items []crashGroupBody }
	rng := "?from=" + day + "&to=" + day
	admin.must(200, "GET", mpPath+"/crashes"+rng, nil).decode(t, &list)
	if len(list.Items) != 2 || list.Items[0].Occurrences != 3 || list.Items[0].AffectedUsers != 2 || list.Items[1].Occurrences != 1 ||
		list.Items[0].Status != "open" || len(list.Items[0].Versions) != 1 || list.Items[0].Versions[0] != "1.0.0" {
		t.Fatalf("groups %+v", list.Items)
	}
	fp, second := list.Items[0].Fingerprint, list.Items[1].Fingerprint
	admin.must(200, "GET", mpPath+"/crashes"+rng+"&sort=users&status=open&limit=1", nil).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Fingerprint != fp {
		t.Errorf("by users %+v", list.Items)
	}
	// Pages follow the same ranking through the cursor.
	var page struct {
		Items      []crashGroupBody
		NextCursor string
	}
	admin.must(200, "GET", mpPath+"/crashes"+rng+"&limit=1", nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Fingerprint != fp || page.NextCursor == "" {
		t.Fatalf("first page %+v", page)
	}
	cur := page.NextCursor
	page.NextCursor = ""
	admin.must(200, "GET", mpPath+"/crashes"+rng+"&limit=1&cursor="+cur, nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Fingerprint != second || page.NextCursor != "" {
		t.Fatalf("second page %+v", page)
	}
	admin.must(400, "GET", mpPath+"/crashes"+rng+"&cursor=bogus", nil)
	admin.must(400, "GET", mpPath+"/crashes"+rng+"&sort=bogus", nil)
	admin.must(400, "GET", mpPath+"/crashes?from="+day, nil)

	var g crashGroupBody
	groupPath := mpPath + "/crashes/" + fp
	r := developer.must(200, "GET", groupPath, nil)
	r.decode(t, &g)
	if g.Fingerprint != fp || len(g.Days) != 30 || g.Days[29].Day != day || g.Days[29].Occurrences != 3 || len(g.Samples) != 3 {
		t.Fatalf("group %s", r.Body)
	}
	admin.must(404, "GET", mpPath+"/crashes/ffffffffffffffffffffffffffffffff", nil)

	// Resolve it (If-Match required), then a report from the same version keeps it resolved…
	developer.must(428, "PATCH", groupPath, map[string]string{"status": "resolved"})
	developer.must(412, "PATCH", groupPath, map[string]string{"status": "resolved"}, "If-Match", `"v999"`)
	developer.must(400, "PATCH", groupPath, map[string]string{"status": "gone"}, "If-Match", r.Header.Get("ETag"))
	developer.must(200, "PATCH", groupPath, map[string]string{"status": "resolved"}, "If-Match", r.Header.Get("ETag")).decode(t, &g)
	if g.Status != "resolved" || g.ResolvedIn != "1.0.0" {
		t.Fatalf("resolved %+v", g)
	}
	if r := runtimePost(t, target, k, map[string]any{"items": []any{crash("1.0.0", "c4", crashStack)}}); r.Status != 202 {
		t.Fatal(r.Status)
	}
	aggregate(t)
	admin.must(200, "GET", groupPath, nil).decode(t, &g)
	if g.Status != "resolved" || g.Regression || g.TotalOccurrences != 4 {
		t.Errorf("after an old-version crash %+v", g)
	}
	// …and one from a newer version reopens it as a regression.
	if r := runtimePost(t, target, k, map[string]any{"items": []any{crash("1.1.0", "c5", moved)}}); r.Status != 202 {
		t.Fatal(r.Status)
	}
	aggregate(t)
	admin.must(200, "GET", groupPath, nil).decode(t, &g)
	if g.Status != "open" || !g.Regression || g.RegressedIn != "1.1.0" || len(g.Versions) != 2 {
		t.Errorf("after a newer-version crash %+v", g)
	}
}
