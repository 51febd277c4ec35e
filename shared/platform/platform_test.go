package platform

import (
	"context"
	"strings"
	"testing"
)

func TestAWSFromEnv(t *testing.T) {
	lambda := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_SESSION_TOKEN": "tok"}
	with := func(changes map[string]string) func(string) string {
		env := map[string]string{}
		for k, v := range lambda {
			env[k] = v
		}
		for k, v := range changes {
			env[k] = v
		}
		return func(k string) string { return env[k] }
	}
	for _, tc := range []struct {
		name                  string
		env                   func(string) string
		region, endpoint, err string
	}{
		{name: "Lambda's environment", env: with(nil), region: "eu-west-1"},
		{name: "an emulator", env: with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}), region: "eu-west-1", endpoint: "http://127.0.0.1:4566"},
		{name: "default region", env: with(map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-east-2"}), region: "us-east-2"},
		{name: "no region", env: with(map[string]string{"AWS_REGION": ""}), err: "AWS_REGION is not set"},
		{name: "no credentials", env: with(map[string]string{"AWS_SECRET_ACCESS_KEY": ""}), err: "AWS_SECRET_ACCESS_KEY are not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := AWSFromEnv(tc.env)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tc.region {
				t.Errorf("region %q, want %q", cfg.Region, tc.region)
			}
			got := ""
			if cfg.BaseEndpoint != nil {
				got = *cfg.BaseEndpoint
			}
			if got != tc.endpoint {
				t.Errorf("endpoint %q, want %q", got, tc.endpoint)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil || creds.AccessKeyID != "AKIA1" || creds.SecretAccessKey != "s3cr3t" || creds.SessionToken != "tok" {
				t.Errorf("credentials %+v, %v; want the environment's", creds, err)
			}
		})
	}
}
