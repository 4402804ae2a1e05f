package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/client"
)

// newDeregistrationCmd is `ucx deregistration`: the exporter records each
// cleared vehicle's deregistration (R16); the exporter and the authority
// that issued the licence list the cleared vehicles, or only the overdue
// ones.
func newDeregistrationCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deregistration",
		Short: "record and list vehicles' deregistrations after clearance (R16)",
		Long: `A cleared vehicle must be deregistered within two months of export customs
clearance (R16). Its exporter records the deregistration (the date and the
deregistration certificate's number, 注销证明编号) once; a vehicle past its
due date with no record is overdue, listed for the exporter and the
authority that issued the licence, and counts once as a credit event
(negative-list item deregistration_overdue, R8).`,
	}

	var date, reference string
	record := &cobra.Command{
		Use:   "record APP_ID|VIN --date YYYY-MM-DD --reference NUMBER",
		Short: "record a cleared vehicle's deregistration, once (exporter)",
		Long: `record records that a cleared vehicle (its application id, or its VIN) was
deregistered on --date under the deregistration certificate --reference.
The date lies on or after the clearance date and not in the future. A
vehicle is recorded once: a second record is refused as a conflict.

Exit status: 0 recorded, 1 the server refused, 2 usage, 3 server failure.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if date == "" || strings.TrimSpace(reference) == "" {
				return usageErr(errors.New("--date and --reference are both required"))
			}
			on, err := ucx.ParseDate(date)
			if err != nil {
				return usageErr(errors.New("--date: " + ucx.ErrorMessage(err)))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			id, err := vehicleID(cmd, c, args[0])
			if err != nil {
				return err
			}
			v, err := c.RecordDeregistration(cmd.Context(), nil, id, ucx.DeregistrationInput{DeregisteredOn: on, Reference: reference})
			if err != nil {
				return clientErr(err)
			}
			return printDeregistration(cmd, f, v)
		},
	}
	record.Flags().StringVar(&date, "date", "", "the day the vehicle office deregistered the vehicle (YYYY-MM-DD)")
	record.Flags().StringVar(&reference, "reference", "", "the deregistration certificate's number (注销证明编号)")

	var flt ucx.DeregistrationFilter
	list := &cobra.Command{
		Use:   "list [--overdue] [--shipment ID]",
		Short: "list cleared vehicles with their deregistration due date and record",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			list, total, err := c.FindDeregistrations(cmd.Context(), nil, flt)
			if err != nil {
				return clientErr(err)
			}
			return printList(cmd, f, list, total, flt.Offset, flt.Limit,
				[]string{"APP", "VIN", "EXPORTER", "LICENCE", "CLEARED", "DUE", "STATE", "DEREGISTERED", "REFERENCE"},
				func(v *ucx.VehicleDeregistration) []string {
					on, ref := "", ""
					if d := v.Deregistration; d != nil {
						on, ref = d.DeregisteredOn.String(), d.Reference
					}
					state := string(v.State)
					if v.Late {
						state += " (late)"
					}
					return []string{id64(v.ApplicationID), v.VIN, v.ExporterName, v.LicenceNumber, v.ClearedOn.String(), v.Due.String(), state, on, ref}
				})
		},
	}
	list.Flags().BoolVar(&flt.Overdue, "overdue", false, "only the vehicles past their due date with no record")
	list.Flags().Int64Var(&flt.ShipmentID, "shipment", 0, "only this shipment's vehicles")
	list.Flags().IntVar(&flt.Offset, "offset", 0, "records to skip")
	list.Flags().IntVar(&flt.Limit, "limit", 50, "records to show (at most 500)")

	cmd.AddCommand(record, list)
	return cmd
}

// vehicleID is the application id given, or the id of the caller's
// application of the VIN given.
func vehicleID(cmd *cobra.Command, c *client.Client, arg string) (int64, error) {
	arg = strings.TrimSpace(arg)
	if arg != "" && strings.Trim(arg, "0123456789") == "" {
		return parseID("the application id", arg)
	}
	vin := strings.ToUpper(arg)
	apps, _, err := c.FindApplications(cmd.Context(), nil, ucx.ApplicationFilter{VIN: vin, State: ucx.StateCleared, Limit: 2})
	if err != nil {
		return 0, clientErr(err)
	}
	if len(apps) != 1 {
		return 0, clientErr(ucx.Errorf(ucx.ENOTFOUND, "no cleared vehicle %s among your applications", vin))
	}
	return apps[0].ID, nil
}

func printDeregistration(cmd *cobra.Command, f *clientFlags, v *ucx.VehicleDeregistration) error {
	w := cmd.OutOrStdout()
	if f.json {
		return printJSON(w, v)
	}
	on, ref := "", ""
	if d := v.Deregistration; d != nil {
		on, ref = d.DeregisteredOn.String(), d.Reference
	}
	late := ""
	if v.Late {
		late = "yes"
	}
	return fields(w,
		"application", id64(v.ApplicationID),
		"vin", v.VIN,
		"licence", v.LicenceNumber,
		"cleared", v.ClearedOn.String(),
		"due", v.Due.String(),
		"state", string(v.State),
		"late", late,
		"deregistered", on,
		"reference", ref,
	)
}
