package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mpdp/platform/shared/domain"
)

type versionsOptions struct {
	target
	limit int
	all   bool
}

func (c *cli) versionsCommand() *cobra.Command {
	o := versionsOptions{limit: 20}
	cmd := &cobra.Command{
		Use:   "versions --workspace WS --miniprogram MP [--limit N] [--all]",
		Short: "List a mini program's uploaded versions, newest first",
		Long: `List a mini program's package versions, newest first: version, status
(uploading, processing, ready, invalid, expired), size, when the package
arrived and when the platform processed it.

--limit sets how many to show (1 to 100); --all follows the pages to the end.`,
		Example: `  mpdp versions --workspace ws_123 --miniprogram mp_456
  mpdp versions -w ws_123 -m mp_456 --all --json | jq -r '.items[] | select(.status=="ready") | .version'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.versions(cmd.Context(), o) },
	}
	addTargetFlags(cmd, &o.target)
	cmd.Flags().IntVar(&o.limit, "limit", o.limit, "versions per page, 1 to 100")
	cmd.Flags().BoolVar(&o.all, "all", false, "list every version, following nextCursor")
	return cmd
}

// versionPage is one page of GET .../versions.
type versionPage struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

func (c *cli) versions(ctx context.Context, o versionsOptions) error {
	t, err := c.resolveTarget(o.target)
	if err != nil {
		return err
	}
	if o.limit < 1 || o.limit > 100 {
		return usageErr(errorf("--limit must be 1 to 100"))
	}
	api, err := c.apiClient()
	if err != nil {
		return err
	}
	path := miniProgramPath(t.workspace, t.miniprogram) + "/versions"
	var all versionPage
	cursor := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(o.limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page versionPage
		if _, _, err := api.call(ctx, http.MethodGet, path, q, nil, nil, &page); err != nil {
			return err
		}
		all.Items = append(all.Items, page.Items...)
		all.NextCursor = page.NextCursor
		if !o.all || page.NextCursor == "" {
			break
		}
		if page.NextCursor == cursor {
			return errorf("the API returned the same cursor twice; stopping")
		}
		cursor = page.NextCursor
	}
	if all.Items == nil {
		all.Items = []json.RawMessage{}
	}
	if c.opts.json {
		return writeJSON(c.stdout, all)
	}
	vs := make([]domain.PackageVersion, len(all.Items))
	for i, raw := range all.Items {
		if err := json.Unmarshal(raw, &vs[i]); err != nil {
			return fmt.Errorf("unexpected answer from the API: %w", err)
		}
	}
	if len(vs) == 0 {
		fmt.Fprintln(c.stdout, "No versions yet: upload one with mpdp upload.")
		return nil
	}
	printVersionTable(c.stdout, vs)
	if all.NextCursor != "" {
		fmt.Fprintln(c.stderr, "More versions exist: use --all (or a larger --limit).")
	}
	return nil
}

func (c *cli) statusCommand() *cobra.Command {
	var o target
	cmd := &cobra.Command{
		Use:   "status VERSION --workspace WS --miniprogram MP",
		Short: "Show one version with its validation report",
		Long: `Show one version of a mini program: its status, size, checksum, times and
the platform's validation report (every problem as "code: message (path)").`,
		Example: `  mpdp status --workspace ws_123 --miniprogram mp_456 1.2.0
  mpdp status -w ws_123 -m mp_456 1.2.0 --json | jq -r .status`,
		Args: exactArgs(1, "one VERSION, like 1.2.0"),
		RunE: func(cmd *cobra.Command, args []string) error { return c.status(cmd.Context(), o, args[0]) },
	}
	addTargetFlags(cmd, &o)
	return cmd
}

func (c *cli) status(ctx context.Context, o target, version string) error {
	t, err := c.resolveTarget(o)
	if err != nil {
		return err
	}
	if _, err := domain.ParseSemver(version); err != nil {
		return usageErr(fmt.Errorf("VERSION: %w", err))
	}
	api, err := c.apiClient()
	if err != nil {
		return err
	}
	v, raw, err := getVersion(ctx, api, miniProgramPath(t.workspace, t.miniprogram), version)
	if err != nil {
		return err
	}
	return c.printVersion(v, raw)
}
