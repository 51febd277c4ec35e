package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/mpdp/platform/shared/resources"
)

// flatten renders a CloudFormation value as text: Ref as ${Id}, Fn::GetAtt as
// ${Id.Attr}, Fn::Join joined, so values with tokens compare as strings.
func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if len(x) == 1 {
			if r, ok := x["Ref"].(string); ok {
				return "${" + r + "}"
			}
			if att, ok := x["Fn::GetAtt"].([]any); ok && len(att) == 2 {
				return fmt.Sprintf("${%v.%v}", att[0], att[1])
			}
			if join, ok := x["Fn::Join"].([]any); ok && len(join) == 2 {
				parts, _ := join[1].([]any)
				out := make([]string, 0, len(parts))
				for _, p := range parts {
					out = append(out, flatten(p))
				}
				return strings.Join(out, join[0].(string))
			}
		}
	}
	return asJSON(v)
}

// flattenJSON flattens a value that strs rendered: JSON for intrinsics, else the string.
func flattenJSON(text string) string {
	var v any
	if strings.HasPrefix(text, "{") && json.Unmarshal([]byte(text), &v) == nil {
		return flatten(v)
	}
	return text
}

func flattenAll(v any) []string {
	list, ok := v.([]any)
	if !ok {
		return []string{flatten(v)}
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, flatten(e))
	}
	return out
}

func (s *synthesized) distributionID() string { return s.logicalID(s.stack.Distribution) }

// consoleOriginCFN is the console's origin as the template writes it.
func (s *synthesized) consoleOriginCFN() any {
	return map[string]any{"Fn::Join": []any{"", []any{"https://", map[string]any{"Fn::GetAtt": getAtt(s.distributionID(), "DomainName")}}}}
}

// consoleOrigin is the console's origin, flattened: https://${<distribution>.DomainName}.
func (s *synthesized) consoleOrigin() string { return flatten(s.consoleOriginCFN()) }

// packageBucketOrigin is the package bucket's regional origin, flattened, from the
// bucket's own BucketName property.
func (s *synthesized) packageBucketOrigin(t *testing.T) string {
	t.Helper()
	name := flatten(props(s.resources("AWS::S3::Bucket")[s.logicalID(s.stack.Bucket)])["BucketName"])
	if !strings.HasPrefix(name, stageName(DefaultStage, resources.Bucket.Name)+"-") {
		t.Fatalf("package bucket name %s", name)
	}
	return "https://" + name + ".s3.${AWS::Region}.${AWS::URLSuffix}"
}

func (s *synthesized) distributionConfig(t *testing.T) map[string]any {
	t.Helper()
	d := props(s.resources("AWS::CloudFront::Distribution")[s.distributionID()])
	if d == nil {
		t.Fatalf("distribution %s not in template", s.distributionID())
	}
	return d["DistributionConfig"].(map[string]any)
}

func TestConsoleBucketIsPrivateAndReadOnlyByTheDistribution(t *testing.T) {
	s := synth(t)
	id := s.logicalID(s.stack.ConsoleBucket)
	p := props(s.resources("AWS::S3::Bucket")[id])
	if p == nil {
		t.Fatalf("console bucket %s not in template", id)
	}
	want := map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
	if got := p["PublicAccessBlockConfiguration"]; !reflect.DeepEqual(got, want) {
		t.Errorf("PublicAccessBlockConfiguration %v", got)
	}
	if got := asJSON(p["BucketEncryption"]); !strings.Contains(got, `"SSEAlgorithm":"AES256"`) {
		t.Errorf("BucketEncryption %s", got)
	}
	if p["WebsiteConfiguration"] != nil || p["AccessControl"] != nil {
		t.Errorf("console bucket is a website or has an ACL: %s", asJSON(p))
	}
	logging, _ := p["LoggingConfiguration"].(map[string]any)
	if !reflect.DeepEqual(logging["DestinationBucketName"], ref(s.logicalID(s.stack.LogBucket))) {
		t.Errorf("access logs go to %v, want the log bucket", logging["DestinationBucketName"])
	}
	if !s.hasSSLDeny("AWS::S3::BucketPolicy", "Bucket", id) {
		t.Error("no bucket policy denying requests without TLS")
	}

	// Every Allow of the bucket policy: s3:GetObject for CloudFront, on behalf of
	// this distribution only.
	wantSourceArn := "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${" + s.distributionID() + "}"
	allows := 0
	for _, pol := range s.resources("AWS::S3::BucketPolicy") {
		pp := props(pol)
		if !reflect.DeepEqual(pp["Bucket"], ref(id)) {
			continue
		}
		for _, st := range pp["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			stmt := st.(map[string]any)
			if stmt["Effect"] != "Allow" {
				continue
			}
			allows++
			if got := asJSON(stmt["Principal"]); got != `{"Service":"cloudfront.amazonaws.com"}` {
				t.Errorf("principal %s, want cloudfront.amazonaws.com only", got)
			}
			if got := strs(stmt["Action"]); !reflect.DeepEqual(got, []string{"s3:GetObject"}) {
				t.Errorf("actions %v, want s3:GetObject only", got)
			}
			if got := flattenAll(stmt["Resource"]); !reflect.DeepEqual(got, []string{"${" + id + ".Arn}/*"}) {
				t.Errorf("resources %v", got)
			}
			cond, _ := stmt["Condition"].(map[string]any)
			eq, _ := cond["StringEquals"].(map[string]any)
			if len(cond) != 1 || len(eq) != 1 || flatten(eq["AWS:SourceArn"]) != wantSourceArn {
				t.Errorf("condition %s, want StringEquals AWS:SourceArn %s only", asJSON(cond), wantSourceArn)
			}
		}
	}
	if allows != 1 {
		t.Errorf("%d Allow statements in the console bucket's policy, want 1", allows)
	}
}

func TestConsoleDistribution(t *testing.T) {
	s := synth(t)
	cfg := s.distributionConfig(t)
	behavior := cfg["DefaultCacheBehavior"].(map[string]any)
	for name, c := range map[string][2]any{
		"DefaultRootObject":       {cfg["DefaultRootObject"], "index.html"},
		"ViewerProtocolPolicy":    {behavior["ViewerProtocolPolicy"], "redirect-to-https"},
		"AllowedMethods":          {asJSON(behavior["AllowedMethods"]), `["GET","HEAD"]`},
		"ResponseHeadersPolicyId": {asJSON(behavior["ResponseHeadersPolicyId"]), asJSON(ref(s.logicalID(s.stack.ConsoleHeaders)))},
		"Aliases":                 {cfg["Aliases"], nil},
		"Logging.Bucket":          {flatten(cfg["Logging"].(map[string]any)["Bucket"]), "${" + s.logicalID(s.stack.ConsoleCdnLogs) + ".RegionalDomainName}"},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}

	// One origin: the console bucket, through Origin Access Control (no OAI).
	origins := cfg["Origins"].([]any)
	if len(origins) != 1 {
		t.Fatalf("%d origins, want 1", len(origins))
	}
	o := origins[0].(map[string]any)
	if got := flatten(o["DomainName"]); got != "${"+s.logicalID(s.stack.ConsoleBucket)+".RegionalDomainName}" {
		t.Errorf("origin %s, want the console bucket", got)
	}
	if o["OriginAccessControlId"] == nil || asJSON(o["S3OriginConfig"]) != `{"OriginAccessIdentity":""}` {
		t.Errorf("origin without OAC or with an OAI: %s", asJSON(o))
	}
	oacs := s.resources("AWS::CloudFront::OriginAccessControl")
	if len(oacs) != 1 {
		t.Fatalf("%d origin access controls, want 1", len(oacs))
	}
	for id, oac := range oacs {
		c := props(oac)["OriginAccessControlConfig"].(map[string]any)
		if c["OriginAccessControlOriginType"] != "s3" || c["SigningBehavior"] != "always" || c["SigningProtocol"] != "sigv4" {
			t.Errorf("OAC %s", asJSON(c))
		}
		if flatten(o["OriginAccessControlId"]) != "${"+id+".Id}" {
			t.Errorf("origin uses OAC %s, want %s", flatten(o["OriginAccessControlId"]), id)
		}
	}

	// Deep links: S3's 403 (no such key, no s3:ListBucket) and 404 serve index.html with 200.
	byCode := map[float64]map[string]any{}
	for _, e := range cfg["CustomErrorResponses"].([]any) {
		byCode[e.(map[string]any)["ErrorCode"].(float64)] = e.(map[string]any)
	}
	for _, code := range []float64{403, 404} {
		e := byCode[code]
		if e == nil || e["ResponseCode"] != float64(200) || e["ResponsePagePath"] != "/index.html" {
			t.Errorf("error response %v: %s, want 200 with /index.html", code, asJSON(e))
		}
	}
	if len(byCode) != 2 {
		t.Errorf("error responses %s, want 403 and 404 only", asJSON(cfg["CustomErrorResponses"]))
	}
}

func TestConsoleSecurityHeaders(t *testing.T) {
	s := synth(t)
	policies := s.resources("AWS::CloudFront::ResponseHeadersPolicy")
	p := props(policies[s.logicalID(s.stack.ConsoleHeaders)])
	if p == nil || len(policies) != 1 {
		t.Fatalf("want the console's response headers policy only, got %d", len(policies))
	}
	sec := p["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
	bucket := s.packageBucketOrigin(t)
	wantCSP := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: " + bucket +
		"; connect-src 'self' https://*.execute-api.${AWS::Region}.${AWS::URLSuffix} https://cognito-idp.${AWS::Region}.${AWS::URLSuffix} " + bucket +
		"; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
	csp, _ := sec["ContentSecurityPolicy"].(map[string]any)
	for _, c := range []struct {
		header string
		got    any
		want   any
	}{
		{"Content-Security-Policy", flatten(csp["ContentSecurityPolicy"]), wantCSP},
		{"Content-Security-Policy override", csp["Override"], true},
		{"Strict-Transport-Security", asJSON(sec["StrictTransportSecurity"]),
			`{"AccessControlMaxAgeSec":63072000,"IncludeSubdomains":true,"Override":true,"Preload":true}`},
		{"X-Content-Type-Options", asJSON(sec["ContentTypeOptions"]), `{"Override":true}`},
		{"X-Frame-Options", asJSON(sec["FrameOptions"]), `{"FrameOption":"DENY","Override":true}`},
		{"Referrer-Policy", asJSON(sec["ReferrerPolicy"]), `{"Override":true,"ReferrerPolicy":"strict-origin-when-cross-origin"}`},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v\nwant %v", c.header, c.got, c.want)
		}
	}
}

// TestConsoleOriginIsTheOnlyCORSOrigin: the API's own CorsConfiguration, the
// package bucket's CORS and the functions' CONSOLE_ORIGINS and CONSOLE_URL all
// name the distribution's https origin, and nothing else.
func TestConsoleOriginIsTheOnlyCORSOrigin(t *testing.T) {
	s := synth(t)
	origin := s.consoleOrigin()
	apis := s.resources("AWS::ApiGatewayV2::Api")
	api := props(apis[s.logicalID(s.stack.API)])
	if len(apis) != 1 || api == nil {
		t.Fatalf("want the one API, got %d", len(apis))
	}
	cors, _ := api["CorsConfiguration"].(map[string]any)
	if got := cors["AllowOrigins"]; !reflect.DeepEqual(got, []any{s.consoleOriginCFN()}) {
		t.Errorf("API CORS AllowOrigins %s (%v), want exactly [%s]", asJSON(got), flattenAll(got), origin)
	}
	for name, c := range map[string][2]any{
		"AllowMethods":  {asJSON(cors["AllowMethods"]), asJSON(apiCORSMethods)},
		"AllowHeaders":  {asJSON(cors["AllowHeaders"]), asJSON(apiCORSHeaders)},
		"ExposeHeaders": {asJSON(cors["ExposeHeaders"]), asJSON(apiCORSExpose)},
		"MaxAge":        {cors["MaxAge"], float64(3600)},
	} {
		if c[0] != c[1] {
			t.Errorf("API CORS %s = %v, want %v", name, c[0], c[1])
		}
	}
	if cors["AllowCredentials"] == true {
		t.Error("API CORS allows credentials (the console sends a bearer token, not cookies)")
	}

	bucket := props(s.resources("AWS::S3::Bucket")[s.logicalID(s.stack.Bucket)])
	rules := bucket["CorsConfiguration"].(map[string]any)["CorsRules"].([]any)
	if len(rules) != 1 {
		t.Fatalf("%d bucket CORS rules, want 1", len(rules))
	}
	rule := rules[0].(map[string]any)
	if got := flattenAll(rule["AllowedOrigins"]); !reflect.DeepEqual(got, []string{origin}) {
		t.Errorf("bucket CORS AllowedOrigins %v, want [%s]", got, origin)
	}
	spec := resources.CORS
	for field, want := range map[string][]string{"AllowedMethods": spec.Methods, "AllowedHeaders": spec.Headers, "ExposedHeaders": spec.Expose} {
		if got := strs(rule[field]); !reflect.DeepEqual(got, want) {
			t.Errorf("bucket CORS %s = %v, want %v", field, got, want)
		}
	}
	for _, fn := range resources.Functions {
		vars := props(s.resources("AWS::Lambda::Function")[s.logicalID(s.stack.Functions[fn.Name])])["Environment"].(map[string]any)["Variables"].(map[string]any)
		for _, k := range []string{resources.EnvConsoleURL, resources.EnvConsoleOrigins} {
			if got := flatten(vars[k]); got != origin {
				t.Errorf("%s: %s = %s, want %s", fn.Name, k, got, origin)
			}
		}
	}
	if got := flatten(s.json["Outputs"].(map[string]any)["ConsoleUrl"].(map[string]any)["Value"]); got != origin {
		t.Errorf("output ConsoleUrl %s, want %s", got, origin)
	}
}

func TestConsoleCustomDomain(t *testing.T) {
	const arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	s := synthWith(t, map[string]any{"consoleDomain": "Console.Example.com", "consoleCertificateArn": arn})
	const origin = "https://console.example.com"
	cfg := s.distributionConfig(t)
	if got := asJSON(cfg["Aliases"]); got != `["console.example.com"]` {
		t.Errorf("Aliases %s", got)
	}
	if got := asJSON(cfg["ViewerCertificate"]); got != `{"AcmCertificateArn":"`+arn+`","MinimumProtocolVersion":"TLSv1.2_2021","SslSupportMethod":"sni-only"}` {
		t.Errorf("ViewerCertificate %s", got)
	}
	api := props(s.resources("AWS::ApiGatewayV2::Api")[s.logicalID(s.stack.API)])
	wantAPI := map[string]any{
		"AllowOrigins": []any{origin}, "AllowMethods": toAny(apiCORSMethods), "AllowHeaders": toAny(apiCORSHeaders),
		"ExposeHeaders": toAny(apiCORSExpose), "MaxAge": float64(3600),
	}
	if got := api["CorsConfiguration"]; !reflect.DeepEqual(got, wantAPI) {
		t.Errorf("API CORS %s, want %s", asJSON(got), asJSON(wantAPI))
	}
	rule := props(s.resources("AWS::S3::Bucket")[s.logicalID(s.stack.Bucket)])["CorsConfiguration"].(map[string]any)["CorsRules"].([]any)[0]
	if got := asJSON(rule.(map[string]any)["AllowedOrigins"]); got != `["`+origin+`"]` {
		t.Errorf("bucket CORS origins %s", got)
	}
	for _, fn := range resources.Functions {
		vars := props(s.resources("AWS::Lambda::Function")[s.logicalID(s.stack.Functions[fn.Name])])["Environment"].(map[string]any)["Variables"].(map[string]any)
		if vars[resources.EnvConsoleURL] != origin || vars[resources.EnvConsoleOrigins] != origin {
			t.Errorf("%s: CONSOLE_URL %v, CONSOLE_ORIGINS %v, want %s", fn.Name, vars[resources.EnvConsoleURL], vars[resources.EnvConsoleOrigins], origin)
		}
	}
}

func toAny(list []string) []any {
	out := make([]any, 0, len(list))
	for _, s := range list {
		out = append(out, s)
	}
	return out
}

func TestConsoleDomain(t *testing.T) {
	const arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	for _, c := range []struct {
		domain, cert string
		want         string // "" with wantErr false: no custom domain
		wantErr      bool
	}{
		{"", "", "", false},
		{"console.example.com", arn, "console.example.com", false},
		{" Console.Example.COM. ", arn, "console.example.com", false},
		{"console.example.com", "", "", true},
		{"", arn, "", true},
		{"https://console.example.com", arn, "", true},
		{"console.example.com:8443", arn, "", true},
		{"console.example.com/app", arn, "", true},
		{"*.example.com", arn, "", true},
		{"localhost", arn, "", true},
		{"console.example.com", "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c", "", true},
		{"console.example.com", "arn:aws:iam::123456789012:server-certificate/x", "", true},
	} {
		got, cert, err := ConsoleDomain(c.domain, c.cert)
		if (err != nil) != c.wantErr || got != c.want || (!c.wantErr && c.want != "" && cert != arn) {
			t.Errorf("ConsoleDomain(%q, %q) = %q, %q, %v; want %q, error %v", c.domain, c.cert, got, cert, err, c.want, c.wantErr)
		}
	}
	// The stack refuses a half-set custom domain.
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "consoleCertificateArn") {
				t.Errorf("consoleDomain without certificate: recovered %v, want an error naming consoleCertificateArn", r)
			}
		}()
		ctx := map[string]any{"consoleDomain": "console.example.com"}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
		NewPlatformStack(app, StackName(DefaultStage), &PlatformStackProps{FunctionsDir: functionsDir, ConsoleDir: consoleDir})
	}()
}

// deployment is a Custom::CDKBucketDeployment's properties by the construct.
func (s *synthesized) deployment(t *testing.T, id string) map[string]any {
	t.Helper()
	for rid, r := range s.resources("Custom::CDKBucketDeployment") {
		if strings.HasPrefix(rid, id) {
			return r
		}
	}
	t.Fatalf("no Custom::CDKBucketDeployment %s", id)
	return nil
}

// assetDir is the staged directory of a deployment source (key <hash>.zip).
func (s *synthesized) assetDir(t *testing.T, key any) string {
	t.Helper()
	k, _ := key.(string)
	dir := filepath.Join(*awscdk.Stage_Of(s.stack.Stack).Outdir(), "asset."+strings.TrimSuffix(k, ".zip"))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("source %v: no staged asset directory %s", key, dir)
	}
	return dir
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestConsoleDeployments: the hashed assets are cached for a year, index.html and
// config.json not at all; neither deployment prunes; index.html comes after the
// assets; the build's own config.json is not shipped.
func TestConsoleDeployments(t *testing.T) {
	s := synth(t)
	if s.stack.ConsoleAssets == nil || s.stack.ConsoleIndex == nil {
		t.Fatal("deployments not set")
	}
	for _, c := range []struct {
		name, id, prefix, cacheControl string
		files                          [][]string // per source
	}{
		{"assets", "ConsoleAssetsDeployment", "assets/", "public, max-age=31536000, immutable", [][]string{{"app-TEST1234.css", "app-TEST1234.js"}}},
		{"index", "ConsoleIndexDeployment", "", "no-cache", [][]string{{"index.html"}, {"config.json"}}},
	} {
		d := s.deployment(t, c.id)
		p := props(d)
		if got := asJSON(p["SystemMetadata"]); got != asJSON(map[string]string{"cache-control": c.cacheControl}) {
			t.Errorf("%s: SystemMetadata %s, want cache-control %q", c.name, got, c.cacheControl)
		}
		if p["Prune"] != false {
			t.Errorf("%s: Prune %v, want false", c.name, p["Prune"])
		}
		if prefix, _ := p["DestinationBucketKeyPrefix"].(string); prefix != c.prefix {
			t.Errorf("%s: prefix %q, want %q", c.name, prefix, c.prefix)
		}
		if !reflect.DeepEqual(p["DestinationBucketName"], ref(s.logicalID(s.stack.ConsoleBucket))) {
			t.Errorf("%s: destination %v", c.name, p["DestinationBucketName"])
		}
		keys, _ := p["SourceObjectKeys"].([]any)
		if len(keys) != len(c.files) {
			t.Fatalf("%s: %d sources, want %d", c.name, len(keys), len(c.files))
		}
		for i, key := range keys {
			if got := listFiles(t, s.assetDir(t, key)); !reflect.DeepEqual(got, c.files[i]) {
				t.Errorf("%s: source %d holds %v, want %v", c.name, i, got, c.files[i])
			}
		}
	}
	index := s.deployment(t, "ConsoleIndexDeployment")
	var dependsOnAssets bool
	for _, dep := range strs(index["DependsOn"]) {
		dependsOnAssets = dependsOnAssets || strings.HasPrefix(dep, "ConsoleAssetsDeployment")
	}
	if !dependsOnAssets {
		t.Errorf("index deployment does not wait for the assets: DependsOn %v", index["DependsOn"])
	}
}

// TestConsoleConfigJSON: config.json has exactly the keys the console reads, with
// the API's URL, the region, the user pool, the console client, Cognito's
// endpoint and the package bucket's origin.
func TestConsoleConfigJSON(t *testing.T) {
	s := synth(t)
	p := props(s.deployment(t, "ConsoleIndexDeployment"))
	keys := p["SourceObjectKeys"].([]any)
	markers := p["SourceMarkers"].([]any)
	var found bool
	for i, key := range keys {
		raw, err := os.ReadFile(filepath.Join(s.assetDir(t, key), ConsoleConfigKey))
		if err != nil {
			continue
		}
		found = true
		text := string(raw)
		for marker, value := range markers[i].(map[string]any) {
			text = strings.ReplaceAll(text, marker, flatten(value))
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(text), &got); err != nil {
			t.Fatalf("config.json after markers: %v: %s", err, text)
		}
		want := map[string]string{
			"apiUrl":          "${" + s.logicalID(s.stack.API) + ".ApiEndpoint}",
			"region":          "${AWS::Region}",
			"userPoolId":      "${" + s.logicalID(s.stack.UserPool) + "}",
			"clientId":        "${" + s.logicalID(s.stack.Client) + "}",
			"cognitoEndpoint": "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/",
			"bucketOrigin":    s.packageBucketOrigin(t),
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("config.json\n got %v\nwant %v", got, want)
		}
	}
	if !found {
		t.Fatal("no source of the index deployment holds config.json")
	}
}

// TestConsoleDeploymentRole: CDK's deployment handler has its own role without
// managed policies, may read exactly the three source archives, list the console
// bucket and put its objects, and write its own log group; nothing else.
func TestConsoleDeploymentRole(t *testing.T) {
	s := synth(t)
	roleID := s.logicalID(s.stack.ConsoleDeployRole)
	handler := props(s.resources("AWS::Lambda::Function")[s.serviceTokenFunction("Custom::CDKBucketDeployment")])
	if got := flatten(handler["Role"]); got != "${"+roleID+".Arn}" {
		t.Errorf("handler role %s, want %s", got, roleID)
	}
	var sources []string
	for _, typ := range []string{"ConsoleAssetsDeployment", "ConsoleIndexDeployment"} {
		for _, k := range props(s.deployment(t, typ))["SourceObjectKeys"].([]any) {
			sources = append(sources, "s3:GetObject on arn:${AWS::Partition}:s3:::"+asJSON(map[string]any{"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"})+"/"+k.(string))
		}
	}
	bucketID := s.logicalID(s.stack.ConsoleBucket)
	want := append(sources, "s3:ListBucket on ${"+bucketID+".Arn}", "s3:PutObject on ${"+bucketID+".Arn}/*")
	var got []string
	for _, st := range s.roleStatements(t)[roleID] {
		if st.Effect != "Allow" {
			t.Errorf("unexpected %s statement", st.Effect)
		}
		for _, a := range st.Actions {
			if strings.HasPrefix(a, "logs:") {
				if len(st.Resources) != 1 || !strings.Contains(st.Resources[0], "ConsoleDeploymentLogs") {
					t.Errorf("%s on %v, want the deployment's log group", a, st.Resources)
				}
				continue
			}
			for _, r := range st.Resources {
				got = append(got, a+" on "+flattenJSON(r))
			}
		}
	}
	if !reflect.DeepEqual(sortedSet(got), sortedSet(want)) {
		t.Errorf("deployment handler grants\n got %v\nwant %v", got, want)
	}
}

func TestCheckConsoleAssets(t *testing.T) {
	noIndex, indexIsDir, noAssets := t.TempDir(), t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(noIndex, ConsoleAssetsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(indexIsDir, ConsoleIndex), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noAssets, ConsoleIndex), []byte("<!doctype html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, dir, wantErr string // wantErr: "" for no error, else a substring
	}{
		{"test build", consoleDir, ""},
		{"missing directory", filepath.Join(t.TempDir(), "dist"), "make console"},
		{"no index.html", noIndex, "make console"},
		{"index.html is a directory", indexIsDir, "make console"},
		{"no assets", noAssets, "make console"},
	} {
		err := CheckConsoleAssets(c.dir)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "MPDP_CONSOLE_DIR")):
			t.Errorf("%s: got %v, want an error naming %q and MPDP_CONSOLE_DIR", c.name, err, c.wantErr)
		}
	}
}

// dependencies are the resources each resource refers to (Ref, Fn::GetAtt,
// Fn::Sub, DependsOn), by logical id.
func (s *synthesized) dependencies() map[string][]string {
	all := s.json["Resources"].(map[string]any)
	out := map[string][]string{}
	var walk func(id string, v any)
	add := func(id, dep string) {
		dep = strings.SplitN(dep, ".", 2)[0]
		if _, ok := all[dep]; ok && !slices.Contains(out[id], dep) {
			out[id] = append(out[id], dep)
		}
	}
	walk = func(id string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				switch k {
				case "Ref":
					if r, ok := e.(string); ok {
						add(id, r)
					}
				case "Fn::GetAtt":
					if att, ok := e.([]any); ok && len(att) > 0 {
						add(id, fmt.Sprint(att[0]))
					}
				case "Fn::Sub":
					text := fmt.Sprint(e)
					if list, ok := e.([]any); ok && len(list) > 0 {
						text = fmt.Sprint(list[0])
						walk(id, list[1:])
					}
					for _, part := range strings.Split(text, "${")[1:] {
						add(id, strings.SplitN(part, "}", 2)[0])
					}
				}
				walk(id, e)
			}
		case []any:
			for _, e := range x {
				walk(id, e)
			}
		}
	}
	for id, r := range all {
		res := r.(map[string]any)
		walk(id, res["Properties"])
		for _, dep := range strs(res["DependsOn"]) {
			add(id, dep)
		}
	}
	return out
}

// TestTemplateHasNoDependencyCycle: CloudFormation refuses a template whose
// resources depend on each other in a circle (the console's origin, the API's
// and the bucket's CORS and the distribution's CSP are the risk); the
// distribution depends on neither the API nor the package bucket, and with the
// distribution's domain the API depends on the distribution (its CORS).
func TestTemplateHasNoDependencyCycle(t *testing.T) {
	for _, c := range []struct {
		name string
		s    func() *synthesized
	}{
		{"distribution domain", func() *synthesized { return synth(t) }},
		{"custom domain", func() *synthesized {
			return synthWith(t, map[string]any{"consoleDomain": "console.example.com",
				"consoleCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"})
		}},
	} {
		s := c.s()
		deps := s.dependencies()
		if cycle := findCycle(deps); cycle != nil {
			t.Errorf("%s: dependency cycle %s", c.name, strings.Join(cycle, " -> "))
		}

		// What the distribution needs, transitively: never the package bucket.
		reach := map[string]bool{}
		var closure func(id string)
		closure = func(id string) {
			for _, d := range deps[id] {
				if !reach[d] {
					reach[d] = true
					closure(d)
				}
			}
		}
		closure(s.distributionID())
		if reach[s.logicalID(s.stack.Bucket)] {
			t.Errorf("%s: the distribution depends on the package bucket", c.name)
		}
		if reach[s.logicalID(s.stack.API)] {
			t.Errorf("%s: the distribution depends on the API", c.name)
		}
		if c.name == "distribution domain" && !slices.Contains(deps[s.logicalID(s.stack.API)], s.distributionID()) {
			t.Errorf("%s: the API does not depend on the distribution (its CORS names it): %v", c.name, deps[s.logicalID(s.stack.API)])
		}
		if !reach[s.logicalID(s.stack.ConsoleBucket)] || !reach[s.logicalID(s.stack.ConsoleHeaders)] {
			t.Errorf("%s: dependency walk missed the distribution's bucket or headers policy: %v", c.name, deps[s.distributionID()])
		}
	}
}

func TestConsoleCSP(t *testing.T) {
	got := ConsoleCSP("eu-west-1", "amazonaws.com", "https://bucket.example")
	directives := map[string]string{}
	for _, d := range strings.Split(got, "; ") {
		name, value, _ := strings.Cut(d, " ")
		if _, dup := directives[name]; dup {
			t.Errorf("directive %s twice", name)
		}
		directives[name] = value
	}
	want := map[string]string{
		"default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
		"img-src":         "'self' data: blob: https://bucket.example",
		"connect-src":     "'self' https://*.execute-api.eu-west-1.amazonaws.com https://cognito-idp.eu-west-1.amazonaws.com https://bucket.example",
		"frame-ancestors": "'none'", "base-uri": "'self'", "form-action": "'self'", "object-src": "'none'",
	}
	if !reflect.DeepEqual(directives, want) {
		t.Errorf("CSP %q\n got %v\nwant %v", got, directives, want)
	}
}

// findCycle returns a dependency cycle of deps (first id repeated at the end), or nil.
func findCycle(deps map[string][]string) []string {
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var path, cycle []string
	var visit func(id string) bool
	visit = func(id string) bool {
		switch state[id] {
		case onPath:
			i := slices.Index(path, id)
			cycle = append(slices.Clone(path[i:]), id)
			return false
		case done:
			return true
		}
		state[id] = onPath
		path = append(path, id)
		for _, d := range deps[id] {
			if !visit(d) {
				return false
			}
		}
		path = path[:len(path)-1]
		state[id] = done
		return true
	}
	ids := make([]string, 0, len(deps))
	for id := range deps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !visit(id) {
			return cycle
		}
	}
	return nil
}

// TestDependencyWalkFindsCycles: the checker itself finds the cycle the console
// would make if the CSP named the API's own origin while the API's CORS names the
// distribution (Api -> Distribution -> headers policy -> Api), through Ref,
// Fn::GetAtt, Fn::Sub and DependsOn.
func TestDependencyWalkFindsCycles(t *testing.T) {
	var tpl map[string]any
	if err := json.Unmarshal([]byte(`{"Resources": {
		"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"CorsConfiguration": {"AllowOrigins": [
			{"Fn::Join": ["", ["https://", {"Fn::GetAtt": ["Dist", "DomainName"]}]]}]}}},
		"Dist": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
			"DefaultCacheBehavior": {"ResponseHeadersPolicyId": {"Ref": "Headers"}}}}},
		"Headers": {"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": {"Csp": {"Fn::Sub": "connect-src ${Api.ApiEndpoint}"}}},
		"Other": {"Type": "AWS::S3::Bucket", "DependsOn": ["Dist"], "Properties": {"Region": {"Ref": "AWS::Region"}}}
	}}`), &tpl); err != nil {
		t.Fatal(err)
	}
	deps := (&synthesized{json: tpl}).dependencies()
	if got := strings.Join(deps["Other"], ","); got != "Dist" {
		t.Errorf("Other depends on %q, want Dist (DependsOn; pseudo parameters ignored)", got)
	}
	if got := findCycle(deps); strings.Join(got, " -> ") != "Api -> Dist -> Headers -> Api" {
		t.Errorf("cycle %v, want Api -> Dist -> Headers -> Api", got)
	}
	delete(tpl["Resources"].(map[string]any), "Headers")
	if got := findCycle((&synthesized{json: tpl}).dependencies()); got != nil {
		t.Errorf("cycle %v without the headers policy", got)
	}
}

// outOfBandAPIChanges lists what in a template could change an API after
// CloudFormation created it, outside the API resource: custom resources of type
// Custom::ApiCors or Custom::AWS (AwsCustomResource), custom resources that call
// API Gateway or refer to an API, and any IAM or resource policy statement that
// allows a write action of API Gateway's control plane (apigateway:PATCH, PUT,
// POST, DELETE, or a wildcard).
func outOfBandAPIChanges(tpl map[string]any) []string {
	all, _ := tpl["Resources"].(map[string]any)
	apis := map[string]bool{}
	for id, r := range all {
		if typ, _ := r.(map[string]any)["Type"].(string); strings.HasPrefix(typ, "AWS::ApiGateway") {
			apis[id] = true
		}
	}
	var out []string
	var actions func(id string, v any)
	actions = func(id string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "Action" || k == "NotAction" {
					for _, a := range toStrings(e) {
						svc, op, _ := strings.Cut(strings.ToLower(a), ":")
						if k == "NotAction" || svc == "*" || (svc == "apigateway" && (strings.Contains(op, "*") ||
							slices.Contains([]string{"patch", "put", "post", "delete"}, op))) {
							out = append(out, fmt.Sprintf("%s: %s %s", id, k, a))
						}
					}
				}
				actions(id, e)
			}
		case []any:
			for _, e := range x {
				actions(id, e)
			}
		}
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		res := all[id].(map[string]any)
		typ, _ := res["Type"].(string)
		actions(id, res["Properties"])
		if !strings.HasPrefix(typ, "Custom::") && typ != "AWS::CloudFormation::CustomResource" {
			continue
		}
		text := asJSON(res["Properties"])
		switch {
		case typ == "Custom::ApiCors" || typ == "Custom::AWS":
			out = append(out, id+": "+typ)
		case strings.Contains(strings.ToLower(text), "apigatewayv2") || strings.Contains(strings.ToLower(text), "apigateway:") ||
			strings.Contains(strings.ToLower(text), "updateapi"):
			out = append(out, id+": "+typ+" calls API Gateway")
		default:
			// The API's id (what an API call needs), not its endpoint URL, which
			// the console's config.json carries.
			for api := range apis {
				if strings.Contains(text, `"Ref":"`+api+`"`) || strings.Contains(text, `"Fn::GetAtt":["`+api+`","ApiId"]`) ||
					strings.Contains(text, "${"+api+"}") || strings.Contains(text, "${"+api+".ApiId}") {
					out = append(out, id+": "+typ+" refers to "+api)
				}
			}
		}
	}
	return out
}

// TestNoOutOfBandAPIChanges: the API's CORS lives in the API resource only. No
// custom resource updates the API (a later CloudFormation update of the API would
// reset what it set), and no role may PATCH an API; the checker itself finds the
// former Custom::ApiCors and its apigateway:PATCH grant.
func TestNoOutOfBandAPIChanges(t *testing.T) {
	for _, c := range []struct {
		name string
		s    func() *synthesized
	}{
		{"custom domain", func() *synthesized {
			return synthWith(t, map[string]any{"consoleDomain": "console.example.com",
				"consoleCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"})
		}},
		{"distribution domain", func() *synthesized { return synth(t) }},
	} {
		s := c.s()
		if got := outOfBandAPIChanges(s.json); len(got) != 0 {
			t.Errorf("%s: changes to the API outside CloudFormation's API resource: %v", c.name, got)
		}
		if n := len(s.resources("Custom::ApiCors")); n != 0 {
			t.Errorf("%s: %d Custom::ApiCors resources", c.name, n)
		}
	}

	var tpl map[string]any
	if err := json.Unmarshal([]byte(`{"Resources": {
		"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {}},
		"Cors": {"Type": "Custom::ApiCors", "Properties": {"Create": {"Fn::Join": ["", ["{\"ApiId\":\"", {"Ref": "Api"}, "\"}"]]}}},
		"Other": {"Type": "Custom::Thing", "Properties": {"Id": {"Fn::GetAtt": ["Api", "ApiId"]}}},
		"Sdk": {"Type": "Custom::AWS", "Properties": {}},
		"Policy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
			{"Effect": "Allow", "Action": "apigateway:PATCH", "Resource": "*"},
			{"Effect": "Allow", "Action": ["s3:GetObject", "apigateway:*"], "Resource": "*"},
			{"Effect": "Allow", "Action": ["apigateway:GET", "execute-api:Invoke"], "Resource": "*"}]}}}
	}}`), &tpl); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Cors: Custom::ApiCors",
		"Other: Custom::Thing refers to Api",
		"Policy: Action apigateway:*",
		"Policy: Action apigateway:PATCH",
		"Sdk: Custom::AWS",
	}
	if got := sortedSet(outOfBandAPIChanges(tpl)); !reflect.DeepEqual(got, want) {
		t.Errorf("checker on a template with out-of-band changes\n got %v\nwant %v", got, want)
	}
}
