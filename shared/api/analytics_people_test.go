package api_test

import (
	"context"
	"fmt"
	"math"
	"path"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/analytics"
)

// TestAnalyticsSummaryVersionsAndRetention ingests events and crashes over
// three days through the runtime API, the queue and the worker, then reads
// the summary (period comparison, sessions by OS and app version), the
// per-version crash figures, the retention cohorts and Store.CrashStats.
func TestAnalyticsSummaryVersionsAndRetention(t *testing.T) {
	tenant := tenantAdmin(t)
	ws, admin := developerWorkspace(t)
	mpPath := miniProgram(t, admin, ws, "People Shop")
	mp := path.Base(mpPath)
	app := createApp(t, tenant, "People App")
	k := createKey(t, tenant, app.ID)

	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	d0, d1 := today.AddDate(0, 0, -2).Add(time.Hour), today.AddDate(0, 0, -1).Add(time.Hour)
	if now.Sub(today) < 2*time.Minute {
		t.Skip("too close to midnight UTC")
	}
	n := 0
	id := func() string { n++; return fmt.Sprintf("ppl-%s-%04d", mp, n) }
	var items []any
	visit := func(at time.Time, version, user, os string) {
		items = append(items,
			event(id(), mp, version, user, "session_start", "", at, "os", os, "appVersion", "8.1.0"),
			event(id(), mp, version, user, "page_view", "pages/index/index", at))
	}
	// day 0: a, b, c, d on 1.0.0 (3 iOS, 1 Android); day 1: a and b come back, e is new on 1.1.0
	for i, u := range []string{"a", "b", "c", "d"} {
		os := "ios"
		if i == 3 {
			os = "android"
		}
		visit(d0, "1.0.0", u, os)
	}
	visit(d1, "1.0.0", "a", "ios")
	visit(d1, "1.0.0", "b", "android")
	visit(d1, "1.1.0", "e", "android")
	items = append(items, event(id(), mp, "1.1.0", "e", "session_start", "", d1)) // says neither os nor app version
	if r := runtimePost(t, "/v1/runtime/events?app="+app.ID, k, map[string]any{"items": items}); r.Status != 202 {
		t.Fatalf("events: %d %s", r.Status, r.Body)
	}
	crash := func(version, user string, at time.Time) map[string]any {
		return map[string]any{"id": id(), "miniProgramId": mp, "version": version, "userId": user, "message": "TypeError: x",
			"stack": crashStack, "os": "android", "appVersion": "8.1.0", "timestamp": at.Format(time.RFC3339Nano)}
	}
	if r := runtimePost(t, "/v1/runtime/crashes?app="+app.ID, k, map[string]any{"items": []any{
		crash("1.1.0", "e", d1), crash("1.1.0", "e", d1), crash("1.0.0", "a", d1)}}); r.Status != 202 {
		t.Fatalf("crashes: %d %s", r.Status, r.Body)
	}
	aggregate(t)

	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	var sum struct {
		PreviousFrom, PreviousTo string
		KPIs                     []struct {
			Metric          string
			Value, Previous float64
			StdError        float64
			Change          *float64
		}
		SessionsByOS, SessionsByAppVersion []struct {
			Key      string
			Sessions int
		}
		Crashes analytics.CrashStats
	}
	admin.must(200, "GET", mpPath+"/analytics/summary?from="+day(d1)+"&to="+day(d1), nil).decode(t, &sum)
	if sum.PreviousFrom != day(d0) || sum.PreviousTo != day(d0) {
		t.Errorf("previous period %s..%s", sum.PreviousFrom, sum.PreviousTo)
	}
	kpi := map[string][3]float64{}
	for _, x := range sum.KPIs {
		ch := math.NaN()
		if x.Change != nil {
			ch = *x.Change
		}
		kpi[x.Metric] = [3]float64{x.Value, x.Previous, ch}
	}
	for metric, want := range map[string][3]float64{
		"sessions":       {4, 4, 0},
		"pageViews":      {3, 4, -0.25},
		"uniqueVisitors": {3, 4, -0.25},
		"newVisitors":    {1, 4, -0.75},
	} {
		if got := kpi[metric]; got != want {
			t.Errorf("%s: value, previous, change %v, want %v", metric, got, want)
		}
	}
	if fmt.Sprint(sum.SessionsByOS) != "[{android 2} {ios 1} {unknown 1}]" || fmt.Sprint(sum.SessionsByAppVersion) != "[{8.1.0 3} {unknown 1}]" {
		t.Errorf("breakdowns %v %v", sum.SessionsByOS, sum.SessionsByAppVersion)
	}
	if c := sum.Crashes; c.Crashes != 3 || c.Sessions != 4 || c.CrashRate != 750 || c.CrashedUsers != 2 || c.Users != 3 ||
		math.Abs(c.CrashFreeUsers-1.0/3) > 1e-9 || c.Sufficient {
		t.Errorf("crash figures %+v", c)
	}

	var versions struct{ Items []analytics.CrashStats }
	admin.must(200, "GET", mpPath+"/analytics/versions?from="+day(d0)+"&to="+day(d1), nil).decode(t, &versions)
	if len(versions.Items) != 2 || versions.Items[0].Version != "1.1.0" || versions.Items[0].Crashes != 2 ||
		versions.Items[0].CrashRate != 1000 || versions.Items[0].CrashFreeUsers != 0 ||
		versions.Items[1].Version != "1.0.0" || versions.Items[1].Sessions != 6 || versions.Items[1].Crashes != 1 ||
		math.Abs(versions.Items[1].CrashFreeUsers-0.75) > 1e-9 {
		t.Errorf("versions %+v", versions.Items)
	}
	// The rollout guard's entry point reads the same figures.
	cs, err := env.Store.CrashStats(context.Background(), mp, "1.1.0", d0, d1)
	if err != nil || cs.Crashes != 2 || cs.Sessions != 2 || cs.Sufficient {
		t.Errorf("Store.CrashStats %+v %v", cs, err)
	}

	var ret struct {
		Period  string
		Cohorts []analytics.Cohort
	}
	admin.must(200, "GET", mpPath+"/analytics/retention?from="+day(d0)+"&to="+day(d1), nil).decode(t, &ret)
	if len(ret.Cohorts) != 2 || ret.Cohorts[0].Users != 4 || ret.Cohorts[1].Users != 3 {
		t.Fatalf("cohorts %+v", ret.Cohorts)
	}
	c0 := ret.Cohorts[0]
	if c0.Retained[0] == nil || *c0.Retained[0] != 2 || *c0.Rate[0] != 0.5 || c0.Retained[1] == nil || *c0.Retained[1] != 0 ||
		c0.Retained[2] != nil || len(c0.Retained) != analytics.RetentionDays {
		t.Errorf("day-0 cohort %+v", c0)
	}
	admin.must(200, "GET", mpPath+"/analytics/retention?from="+day(d0)+"&to="+day(d1)+"&period=week", nil).decode(t, &ret)
	if ret.Period != "week" || len(ret.Cohorts) == 0 || len(ret.Cohorts[0].Retained) != analytics.RetentionWeeks {
		t.Errorf("weekly %+v", ret)
	}

	for _, q := range []string{"/analytics/summary?from=" + day(d1), "/analytics/versions?to=" + day(d1),
		"/analytics/retention?from=" + day(d0) + "&to=" + day(d1) + "&period=month",
		"/analytics/retention?from=" + day(today.AddDate(0, 0, -40)) + "&to=" + day(d1)} {
		if p := admin.must(400, "GET", mpPath+q, nil).problem(t); len(p.fields()) == 0 {
			t.Errorf("%s: no field errors", q)
		}
	}
}
