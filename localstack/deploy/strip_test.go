package deploy

import (
	"encoding/json"
	"maps"
	"testing"
)

func TestStripRemovesUnsupportedAndEveryReference(t *testing.T) {
	var template map[string]any
	json.Unmarshal([]byte(`{
	 "Resources": {
	  "Pool": {"Type": "AWS::Cognito::UserPool"},
	  "Notifications": {"Type": "Custom::S3BucketNotifications", "DependsOn": ["Table"]},
	  "Table": {"Type": "AWS::DynamoDB::Table"},
	  "Fn": {"Type": "AWS::Lambda::Function", "DependsOn": ["Pool", "Table"], "Properties": {
	   "Environment": {"Variables": {"POOL": {"Ref": "Pool"}, "TABLE": {"Ref": "Table"}}}}},
	  "Policy": {"Type": "AWS::IAM::Policy", "DependsOn": "Notifications", "Properties": {"Resource": [
	   {"Fn::GetAtt": ["Pool", "Arn"]}, {"Fn::GetAtt": "Pool.ProviderURL"}, {"Fn::GetAtt": ["Table", "Arn"]},
	   {"Fn::Sub": "${Pool.Arn}/clients/${Table}"}, {"Fn::Sub": ["${Pool}-${X}", {"X": {"Ref": "Pool"}}]}]}}
	 },
	 "Outputs": {"PoolId": {"Value": {"Ref": "Pool"}}}
	}`), &template)
	removed, err := Strip(template)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(removed, map[string]string{"Pool": "AWS::Cognito::UserPool", "Notifications": "Custom::S3BucketNotifications"}) {
		t.Fatalf("removed %v", removed)
	}
	got, _ := json.Marshal(template)
	want := `{"Outputs":{"PoolId":{"Value":"removed-Pool"}},"Resources":{` +
		`"Fn":{"DependsOn":["Table"],"Properties":{"Environment":{"Variables":{"POOL":"removed-Pool","TABLE":{"Ref":"Table"}}}},"Type":"AWS::Lambda::Function"},` +
		`"Policy":{"Properties":{"Resource":["arn:aws:removed:us-east-1:123456789012:Pool","removed-Pool-ProviderURL",{"Fn::GetAtt":["Table","Arn"]},` +
		`{"Fn::Sub":"arn:aws:removed:us-east-1:123456789012:Pool/clients/${Table}"},{"Fn::Sub":["removed-Pool-${X}",{"X":"removed-Pool"}]}]},"Type":"AWS::IAM::Policy"},` +
		`"Table":{"Type":"AWS::DynamoDB::Table"}}}`
	if string(got) != want {
		t.Fatalf("stripped\n got %s\nwant %s", got, want)
	}
}

func TestReason(t *testing.T) {
	for typ, listed := range map[string]bool{
		"AWS::Cognito::UserPool": true, "Custom::CDKBucketDeployment123": true, "AWS::CDK::Metadata": true,
		"AWS::DynamoDB::Table": false, "AWS::Lambda::Function": false, "Custom": false,
	} {
		if got := Reason(typ) != ""; got != listed {
			t.Errorf("%s: listed %v, want %v", typ, got, listed)
		}
	}
	for typ, reason := range Unsupported {
		if reason == "" {
			t.Errorf("%s has no reason", typ)
		}
	}
}
