package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// tokenCommand prints a current ID token, so that a signed-in developer can
// call the API with curl (the other commands never print the token).
func (c *cli) tokenCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "token",
		Short: "Print a current ID token of the signed-in profile, for calling the API with curl",
		Long: `Print the profile's ID token on stdout, and nothing else: the cached one, or,
when it expires within a minute, a new one got with the refresh token.

The token is what the API takes as 'Authorization: Bearer <token>'. It grants your
access until it expires (an hour): keep it out of logs and shared terminals.`,
		Example: `  curl -H "Authorization: Bearer $(mpdp token)" "$MPDP_API/v1/me"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := c.profile()
			if err != nil {
				return err
			}
			tok, err := c.tokenSource(p)(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, tok)
			return nil
		},
	}
}
