// Package deploy prepares the CDK app's template for an emulator's CloudFormation
// (moto): it lists, in one place, the resource types the emulator cannot create
// and why, and strips them and every reference to them from the template, so the
// rest deploys with the real CDK CLI and can be checked (make test-deploy).
package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Unsupported are the resource types moto 5.2.1's CloudFormation cannot create,
// with the reason. Strip removes them before deploying; the deploy test fails
// when the template holds a type moto skips that is not listed here, and when an
// entry here no longer matches anything in the template. A trailing * matches
// a prefix.
var Unsupported = map[string]string{
	"AWS::ApiGatewayV2::Api":                     "moto's CloudFormation has no model for API Gateway v2 (and its server never routes requests)",
	"AWS::ApiGatewayV2::Stage":                   "moto's CloudFormation has no model for API Gateway v2",
	"AWS::ApiGatewayV2::Route":                   "moto's CloudFormation has no model for API Gateway v2",
	"AWS::ApiGatewayV2::Integration":             "moto's CloudFormation has no model for API Gateway v2",
	"AWS::ApiGatewayV2::Authorizer":              "moto's CloudFormation has no model for API Gateway v2",
	"AWS::CloudFront::Distribution":              "moto's CloudFormation has no model for CloudFront",
	"AWS::CloudFront::OriginAccessControl":       "moto's CloudFormation has no model for CloudFront",
	"AWS::CloudFront::ResponseHeadersPolicy":     "moto's CloudFormation has no model for CloudFront",
	"AWS::CloudWatch::Alarm":                     "moto's CloudFormation has no model for CloudWatch alarms",
	"AWS::Cognito::UserPool":                     "moto's CloudFormation has no model for Cognito (the local provisioning creates the pool through the API)",
	"AWS::Cognito::UserPoolClient":               "moto's CloudFormation has no model for Cognito",
	"AWS::S3::BucketPolicy":                      "moto's CloudFormation has no model for bucket policies",
	"AWS::SNS::TopicPolicy":                      "moto's CloudFormation has no model for topic policies",
	"AWS::SQS::QueuePolicy":                      "moto's CloudFormation has no model for queue policies",
	"AWS::SES::EmailIdentity":                    "moto's CloudFormation has no model for SES identities (DKIM needs DNS anyway)",
	"AWS::SES::ConfigurationSet":                 "moto's CloudFormation has no model for SES configuration sets (the local provisioning creates the set through the API)",
	"AWS::SES::ConfigurationSetEventDestination": "moto's CloudFormation has no model for SES event destinations",
	"AWS::CDK::Metadata":                         "CDK's usage metadata: no AWS resource behind it",
	"Custom::*":                                  "custom resources run a Lambda function, and moto invokes functions only with Docker",
}

// Dropped are properties moto 5.2.1's CloudFormation mishandles on types it
// does create, with the reason; Strip removes them so the resource deploys.
var Dropped = map[string]map[string]string{
	"AWS::KMS::Key": {"Tags": "moto reads a key's CloudFormation tags as the KMS API's TagKey/TagValue and fails with KeyError 'TagKey', so the key (and every Fn::GetAtt on it) is missing"},
}

// Reason returns why typ is unsupported, or "" when it is supported.
func Reason(typ string) string {
	if r, ok := Unsupported[typ]; ok {
		return r
	}
	for k, r := range Unsupported {
		if p, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(typ, p) {
			return r
		}
	}
	return ""
}

// Strip removes the unsupported resources (and the Dropped properties) from a CloudFormation template (as
// decoded JSON) and replaces every reference to them (Ref, Fn::GetAtt, ${...} in
// Fn::Sub, DependsOn) with a placeholder, since moto fails a change set on any
// reference to a resource it skipped. It returns the removed logical ids with
// their types.
func Strip(template map[string]any) (map[string]string, error) {
	res, ok := template["Resources"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the template has no Resources")
	}
	removed := map[string]string{}
	for id, r := range res {
		typ, _ := r.(map[string]any)["Type"].(string)
		if Reason(typ) != "" {
			removed[id] = typ
			delete(res, id)
		}
	}
	for _, r := range res {
		m := r.(map[string]any)
		if props, ok := m["Properties"].(map[string]any); ok {
			typ, _ := m["Type"].(string)
			for p := range Dropped[typ] {
				delete(props, p)
			}
		}
	}
	for id, r := range res {
		res[id] = replaceRefs(r, removed)
		m := res[id].(map[string]any)
		switch d := m["DependsOn"].(type) {
		case string:
			if _, gone := removed[d]; gone {
				delete(m, "DependsOn")
			}
		case []any:
			kept := slices.DeleteFunc(slices.Clone(d), func(v any) bool { _, gone := removed[v.(string)]; return gone })
			if len(kept) == 0 {
				delete(m, "DependsOn")
			} else {
				m["DependsOn"] = kept
			}
		}
	}
	if outs, ok := template["Outputs"].(map[string]any); ok {
		template["Outputs"] = replaceRefs(outs, removed)
	}
	return removed, nil
}

// placeholder stands for a removed resource's Ref or attribute: an ARN-shaped
// string for ARNs (IAM policies must name ARNs), a plain one otherwise.
func placeholder(id, attr string) string {
	if strings.HasSuffix(attr, "Arn") {
		return "arn:aws:removed:us-east-1:123456789012:" + id
	}
	if attr == "" {
		return "removed-" + id
	}
	return "removed-" + id + "-" + attr
}

var subRef = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}`)

func replaceRefs(v any, removed map[string]string) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if ref, ok := x["Ref"].(string); ok {
				if _, gone := removed[ref]; gone {
					return placeholder(ref, "")
				}
			}
			if ga, ok := x["Fn::GetAtt"]; ok {
				var id, attr string
				switch g := ga.(type) {
				case []any:
					if len(g) == 2 {
						id, _ = g[0].(string)
						attr, _ = g[1].(string)
					}
				case string:
					id, attr, _ = strings.Cut(g, ".")
				}
				if _, gone := removed[id]; gone {
					return placeholder(id, attr)
				}
			}
			if sub, ok := x["Fn::Sub"]; ok {
				switch s := sub.(type) {
				case string:
					return map[string]any{"Fn::Sub": replaceSub(s, removed)}
				case []any:
					if len(s) == 2 {
						str, _ := s[0].(string)
						return map[string]any{"Fn::Sub": []any{replaceSub(str, removed), replaceRefs(s[1], removed)}}
					}
				}
			}
		}
		for k, e := range x {
			x[k] = replaceRefs(e, removed)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = replaceRefs(e, removed)
		}
		return x
	}
	return v
}

func replaceSub(s string, removed map[string]string) string {
	return subRef.ReplaceAllStringFunc(s, func(m string) string {
		g := subRef.FindStringSubmatch(m)
		if _, gone := removed[g[1]]; gone {
			return placeholder(g[1], g[2])
		}
		return m
	})
}
