// Package devstack is `make dev` as a library: the platform on the emulator
// (stack), the queue pollers, and one HTTP origin that serves the API under
// /v1/, the web console (consoleserver) everywhere else, and two local-only
// helpers: /_local/cognito/ (the console's Cognito calls, relayed to the
// emulator) and /_local/mail (every email sent). The browser tests start
// exactly this in-process.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"strings"
	"sync"
	"time"

	"github.com/mpdp/platform/localstack/consoleserver"
	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/shared/api"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/platform"
)

// Paths of the local-only helpers on the gateway's origin.
const (
	CognitoPath = "/_local/cognito/"
	MailPath    = "/_local/mail"
)

// Options configure Start.
type Options struct {
	// Addr is the address to listen on; "" means 127.0.0.1:0 (a free port).
	Addr   string
	Tenant platform.Tenant
	// ConsoleDir is the built console (console/dist). Without an index.html
	// there the API still runs and the console's pages say how to build it.
	ConsoleDir string
	// Timing, if set, shortens the launch workflow's waits (tests).
	Timing api.LaunchTiming
	// Log receives the functions' logs; nil discards them.
	Log *slog.Logger
	// Out receives the welcome text and each email as it is sent; nil discards them.
	Out io.Writer
	// EmulatorLog receives moto's output; nil discards it.
	EmulatorLog io.Writer
}

// Platform is a running dev platform.
type Platform struct {
	Stack   *stack.Stack
	Mailbox *Mailbox
	// ConsoleBuilt says whether ConsoleDir held a built console at start.
	ConsoleBuilt bool

	url     string
	srv     *http.Server
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	failed  chan error
	stopped sync.Once
	stopErr error
}

// Start brings the platform up and starts serving; ctx bounds startup only.
func Start(ctx context.Context, opts Options) (*Platform, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	url := "http://" + loopbackIfUnspecified(ln.Addr().(*net.TCPAddr))
	s, err := stack.Start(ctx, stack.Options{Log: opts.Log, EmulatorLog: opts.EmulatorLog, Tenant: opts.Tenant,
		ConsoleURL: url, Timing: opts.Timing})
	if err != nil {
		ln.Close()
		return nil, err
	}
	p := &Platform{Stack: s, Mailbox: NewMailbox(MailboxSize), ConsoleBuilt: consoleserver.Built(opts.ConsoleDir),
		url: url, failed: make(chan error, 1)}
	handler, err := p.handler(opts.ConsoleDir)
	if err != nil {
		ln.Close()
		s.Stop()
		return nil, err
	}

	run, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	for i, pl := range s.Pollers() {
		if i == 0 { // the mailer (stack.Pollers keeps it first)
			pl.Worker = recorded(pl.Worker, p.Mailbox, opts.Out, time.Now)
		}
		p.wg.Add(1)
		go func() { defer p.wg.Done(); pl.Run(run) }()
	}
	p.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.failed <- err
		}
	}()
	p.printWelcome(opts.Out, opts.Tenant, opts.ConsoleDir)
	return p, nil
}

// handler is the gateway's origin: the API, the local helpers, the console.
func (p *Platform) handler(consoleDir string) (http.Handler, error) {
	ep := p.Stack.Emulator.Endpoint()
	cognito, err := cognitoProxy(ep)
	if err != nil {
		return nil, err
	}
	cfg := p.Stack.Config
	console := consoleserver.New(consoleDir, consoleserver.Config{Region: cfg.Region, UserPoolID: cfg.UserPoolID,
		ClientID: cfg.ClientID, CognitoEndpoint: p.url + CognitoPath, BucketOrigin: origin(ep)})
	mux := http.NewServeMux()
	mux.Handle("/v1/", p.Stack.Gateway)
	mux.Handle("/v1", p.Stack.Gateway)
	mux.Handle(CognitoPath, cognito)
	mux.Handle(MailPath, p.Mailbox)
	mux.HandleFunc("/_local/", httpapi.NotFound)
	mux.Handle("/", console)
	return mux, nil
}

// URL is the origin everything is served on, without a trailing slash.
func (p *Platform) URL() string { return p.url }

// Failed reports the server's failure, if it stops serving before Stop.
func (p *Platform) Failed() <-chan error { return p.failed }

// Stop stops serving, stops the pollers and then the emulator. It is safe to
// call more than once.
func (p *Platform) Stop() error {
	p.stopped.Do(func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := p.srv.Shutdown(shutdown)
		p.cancel()
		p.wg.Wait()
		p.stopErr = errors.Join(err, p.Stack.Stop())
	})
	return p.stopErr
}

// Welcome is what the start-up block names: the values a user copies.
type Welcome struct {
	Console    string // the console's URL, or why it is not served
	API        string // the origin the API is served on (paths under /v1/), $API
	Emulator   string // the AWS emulator's endpoint
	Region     string
	UserPoolID string
	ClientID   string
	AdminEmail string
	AdminPass  string
}

// WelcomeText is the one block `make dev` prints when everything is up, last,
// after the build output and the start-up logs. The README quotes it (with
// placeholders for the ports and ids) and its walkthrough starts from the
// shell lines in it; localstack/devstack's tests keep the two equal.
func WelcomeText(v Welcome) string {
	return fmt.Sprintf(`
================================ make dev: the platform is running ================================
  Console    %[1]s
  API        %[2]s   (the API is under %[2]s/v1/)
  Mailbox    %[2]s%[9]s   (every email sent: temporary passwords, invitations)
  Emulator   %[3]s   (AWS_ENDPOINT_URL for the aws CLI and the SDKs; region %[4]s)
  Cognito    user pool %[5]s, app client id %[6]s
  Sign in    %[7]s / %[8]s (the tenant admin)

In your shell, to follow the README (the API origin as $API, mpdp's settings, and the tenant
admin's ID token as $TOKEN):

export API=%[2]s MPDP_API=%[2]s MPDP_COGNITO_REGION=%[4]s MPDP_COGNITO_CLIENT_ID=%[6]s MPDP_COGNITO_ENDPOINT=%[3]s
TOKEN=$(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region %[4]s --endpoint-url %[3]s cognito-idp initiate-auth --client-id %[6]s --auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME=%[7]s,PASSWORD='%[8]s' --query AuthenticationResult.IdToken --output text)
curl -s -H "Authorization: Bearer $TOKEN" $API/v1/me

Emails are printed below as they are sent. Ctrl-C stops everything.
====================================================================================================
`, v.Console, v.API, v.Emulator, v.Region, v.UserPoolID, v.ClientID, v.AdminEmail, v.AdminPass, MailPath)
}

// ShellLines are the lines of the welcome block a user pastes into a shell.
func ShellLines(welcome string) []string {
	var out []string
	for _, l := range strings.Split(welcome, "\n") {
		if strings.HasPrefix(l, "export API=") || strings.HasPrefix(l, "TOKEN=$(") || strings.HasPrefix(l, "curl ") {
			out = append(out, l)
		}
	}
	return out
}

func (p *Platform) printWelcome(out io.Writer, t platform.Tenant, consoleDir string) {
	s := p.Stack
	console := p.url + "/"
	if !p.ConsoleBuilt {
		console = fmt.Sprintf("NOT BUILT (no index.html in %s): run `make console`; the API runs without it", consoleDir)
	}
	fmt.Fprint(out, WelcomeText(Welcome{Console: console, API: p.url, Emulator: s.Emulator.Endpoint(), Region: s.AWS.Region,
		UserPoolID: s.Config.UserPoolID, ClientID: s.Config.ClientID, AdminEmail: t.AdminEmail, AdminPass: t.AdminPassword}))
}

// loopbackIfUnspecified names a listener's address as a browser can reach it.
func loopbackIfUnspecified(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(a.Port))
	}
	return a.String()
}

// origin is the scheme://host[:port] of an endpoint URL.
func origin(u string) string {
	pu, err := neturl.Parse(u)
	if err != nil || pu.Host == "" {
		return u
	}
	return pu.Scheme + "://" + pu.Host
}
