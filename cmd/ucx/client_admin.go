package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
)

// newUserCmd is `ucx user`: adding users by invitation.
func newUserCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "add users to an organisation, by invitation",
	}
	var u ucx.User
	var role string
	create := &cobra.Command{
		Use:   "create --org ID --username NAME --role admin|member|viewer [--display-name TEXT]",
		Short: "add a user and print the one-time link with which they set their password",
		Long: `create adds a user to an organisation without a password and prints the
invitation: a link (and its token) with which the user chooses their own
password, once, within three days. The platform operator's admin may invite
into any organisation (its first admin, say); an organisation's admin into
its own. Nobody who creates a user learns the password, and the act is in
the organisation's audit trail, which its admins read.

Send the link to the user by a channel you trust; it is shown only now.

Exit status: 0 done, 1 the server refused, 2 usage, 3 server failure.`,
		Example: "  UCX_TOKEN=… ucx user create --org 7 --username li.wei --role admin --display-name 李伟",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			u.Role = ucx.Role(role)
			if !u.Role.Valid() {
				return usageErr(fmt.Errorf("--role must be admin, member or viewer"))
			}
			if u.Username == "" {
				return usageErr(fmt.Errorf("--username is required"))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			inv, err := c.InviteUser(cmd.Context(), nil, &u)
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), map[string]any{"user": u, "invitation": inv})
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "user %s (id %d, %s) added to organisation %d without a password\n", u.Username, u.ID, u.Role, u.OrgID)
			fmt.Fprintf(out, "invitation (works once, until %s):\n  %s\n", inv.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), inv.URL)
			fmt.Fprintf(out, "token (for POST /api/v1/invitations/accept): %s\n", inv.Token)
			return nil
		},
	}
	fl := create.Flags()
	fl.Int64Var(&u.OrgID, "org", 0, "the organisation's id (default: your own)")
	fl.StringVar(&u.Username, "username", "", "3–64 characters of a–z, 0–9, '.', '_' and '-'")
	fl.StringVar(&role, "role", "", "admin, member or viewer")
	fl.StringVar(&u.DisplayName, "display-name", "", "the name shown in the web UI")
	cmd.AddCommand(create)
	return cmd
}

// newWMICmd is `ucx wmi`: the operator's review of WMI claims (R2).
func newWMICmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wmi",
		Short: "review manufacturers' claims to WMIs the table gives to another maker (the operator's)",
		Long: `A manufacturer that declares a WMI which the built-in table, or another
organisation, gives to another maker gets a pending claim: the WMI routes no
confirmation request to it until the platform operator confirms the claim
(R2). claims lists them; confirm and refuse decide them (the operator's admin).

Exit status: 0 done, 1 the server refused, 2 usage, 3 server failure.`,
	}
	claims := &cobra.Command{
		Use:   "claims",
		Short: "list the pending WMI claims, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			cs, err := c.WMIClaims(cmd.Context(), nil)
			if err != nil {
				return clientErr(err)
			}
			return printList(cmd, f, cs, len(cs), 0, len(cs), []string{"ID", "WMI", "CLAIMANT", "GIVEN TO", "CLAIMED"}, func(c *ucx.WMIClaim) []string {
				return []string{id64(c.ID), c.WMI, c.OrgName + " (" + id64(c.OrgID) + ")", c.Holder, timeStr(&c.ClaimedAt)}
			})
		},
	}
	decide := func(confirm bool) *cobra.Command {
		var note string
		use, short := "confirm ID [--note TEXT]", "confirm a claim: the WMI's VINs route to the claimant from now on"
		if !confirm {
			use, short = "refuse ID --note TEXT", "refuse a claim, saying why (the claimant reads it in its audit trail)"
		}
		d := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := parseID("ID", args[0])
				if err != nil {
					return err
				}
				c, err := f.client()
				if err != nil {
					return err
				}
				cl, err := c.DecideWMIClaim(cmd.Context(), nil, id, confirm, note)
				if err != nil {
					return clientErr(err)
				}
				if f.json {
					return printJSON(cmd.OutOrStdout(), cl)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "claim %d: WMI %s of %s %s\n", cl.ID, cl.WMI, cl.OrgName, cl.State)
				return nil
			},
		}
		d.Flags().StringVar(&note, "note", "", "why (required to refuse)")
		return d
	}
	cmd.AddCommand(claims, decide(true), decide(false))
	return cmd
}
