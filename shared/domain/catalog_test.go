package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func fieldsOf(err error) []string {
	var v *ValidationError
	if !errors.As(err, &v) {
		return nil
	}
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestJSAPIName(t *testing.T) {
	for name, ok := range map[string]bool{
		"getLocation": true, "ab": true, "scanQRCode2": true, "a" + strings.Repeat("b", 63): true,
		"a": false, "GetLocation": false, "get-location": false, "get_location": false, "1abc": false, "": false, "getLocation ": false,
		"a" + strings.Repeat("b", 64): false,
	} {
		if ValidJSAPIName(name) != ok {
			t.Errorf("ValidJSAPIName(%q) = %v, want %v", name, !ok, ok)
		}
	}
}

func TestJSAPIInput(t *testing.T) {
	ios := []Platform{PlatformIOS}
	cases := []struct {
		name   string
		in     JSAPIInput
		create bool
		want   []string
	}{
		{"valid create", JSAPIInput{Name: ptr("getLocation"), SupportedOS: &ios}, true, nil},
		{"create needs name and OS", JSAPIInput{}, true, []string{"name", "supportedOS"}},
		{"bad name", JSAPIInput{Name: ptr("Get-Location"), SupportedOS: &ios}, true, []string{"name"}},
		{"empty OS", JSAPIInput{Name: ptr("getX"), SupportedOS: &[]Platform{}}, true, []string{"supportedOS"}},
		{"unknown OS", JSAPIInput{Name: ptr("getX"), SupportedOS: &[]Platform{"windows"}}, true, []string{"supportedOS"}},
		{"duplicate OS", JSAPIInput{Name: ptr("getX"), SupportedOS: &[]Platform{"ios", "ios"}}, true, []string{"supportedOS"}},
		{"bad status", JSAPIInput{Name: ptr("getX"), SupportedOS: &ios, Status: ptr(JSAPIStatus("gone"))}, true, []string{"status"}},
		{"long description", JSAPIInput{Name: ptr("getX"), SupportedOS: &ios, Description: ptr(string(make([]rune, 501)))}, true, []string{"description"}},
		{"patch one field", JSAPIInput{Status: ptr(JSAPIDeprecated)}, false, nil},
		{"empty patch", JSAPIInput{}, false, []string{"body"}},
		{"patch cannot rename", JSAPIInput{Name: ptr("getY")}, false, []string{"name"}},
	}
	for _, c := range cases {
		if got := fieldsOf(c.in.Validate(c.create)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
	j := JSAPIInput{Name: ptr("getX"), SupportedOS: &[]Platform{"android", "ios"}, Description: ptr("  hi  ")}.Apply(JSAPI{Status: JSAPIActive})
	if !slices.Equal(j.SupportedOS, []Platform{"ios", "android"}) || j.Description != "hi" || j.Status != JSAPIActive {
		t.Errorf("applied %+v", j)
	}
}

func TestJSAPIFilter(t *testing.T) {
	if err := (JSAPIFilter{Status: JSAPIActive, OS: PlatformAndroid, Prefix: "get"}).Validate(); err != nil {
		t.Error(err)
	}
	if got := fieldsOf(JSAPIFilter{Status: "x", OS: "y", Prefix: string(make([]byte, 65))}.Validate()); !slices.Equal(got, []string{"status", "os", "q"}) {
		t.Errorf("fields %v", got)
	}
}

func TestFeatureInput(t *testing.T) {
	many := make([]string, MaxFeatureJSAPIs+1)
	for i := range many {
		many[i] = "api" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	cases := []struct {
		name   string
		in     FeatureInput
		create bool
		want   []string
	}{
		{"valid", FeatureInput{Name: ptr("Payments"), JSAPIs: &[]string{"pay", "refund"}}, true, nil},
		{"create needs name and jsapis", FeatureInput{}, true, []string{"name", "jsapis"}},
		{"no jsapis", FeatureInput{Name: ptr("Payments"), JSAPIs: &[]string{}}, true, []string{"jsapis"}},
		{"too many", FeatureInput{Name: ptr("Payments"), JSAPIs: &many}, true, []string{"jsapis"}},
		{"duplicate", FeatureInput{Name: ptr("Payments"), JSAPIs: &[]string{"pay", "pay"}}, true, []string{"jsapis"}},
		{"malformed", FeatureInput{Name: ptr("Payments"), JSAPIs: &[]string{"Pay"}}, true, []string{"jsapis"}},
		{"short name", FeatureInput{Name: ptr("P"), JSAPIs: &[]string{"pay"}}, true, []string{"name"}},
		{"patch", FeatureInput{Description: ptr("d")}, false, nil},
		{"empty patch", FeatureInput{}, false, []string{"body"}},
	}
	for _, c := range cases {
		if got := fieldsOf(c.in.Validate(c.create)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestFeatureChanges(t *testing.T) {
	now := time.Now()
	before := Feature{ID: "feat_1", Name: "Pay", Description: "d", JSAPIs: []string{"pay"}, CreatedAt: now}
	created := FeatureChanges(Feature{}, before)
	if len(created) != 3 || created["name"].From != nil || created["name"].To != "Pay" || created["jsapis"].From != nil {
		t.Errorf("created %+v", created)
	}
	after := before
	after.JSAPIs = []string{"pay", "refund"}
	ch := FeatureChanges(before, after)
	if len(ch) != 1 || !slices.Equal(ch["jsapis"].From.([]string), []string{"pay"}) || !slices.Equal(ch["jsapis"].To.([]string), []string{"pay", "refund"}) {
		t.Errorf("changes %+v", ch)
	}
	if ch := FeatureChanges(before, before); len(ch) != 0 {
		t.Errorf("no change gave %+v", ch)
	}
}

func TestFeatureActivationInput(t *testing.T) {
	if err := (FeatureActivationInput{FeatureID: "feat_1", Reason: "checkout"}).Validate(); err != nil {
		t.Error(err)
	}
	if got := fieldsOf(FeatureActivationInput{Reason: string(make([]rune, 2001))}.Validate()); !slices.Equal(got, []string{"featureId", "reason"}) {
		t.Errorf("fields %v", got)
	}
}
