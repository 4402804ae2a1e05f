package main

import "github.com/spf13/cobra"

func newVinCmd() *cobra.Command {
	return &cobra.Command{Use: "vin VIN...", Short: "validate and decode VINs (being written)"}
}
