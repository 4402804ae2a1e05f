package main

import (
	"context"
	"time"

	"github.com/spf13/pflag"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// addOversightFlags registers the credit thresholds (R8) and the figures'
// settings. Zero leaves the store's default: REGULATION.md does
// not fix any of these numbers, so an operator must be able to set them
// without a new build.
func addOversightFlags(f *pflag.FlagSet, o *sqlstore.Oversight, env *envParser) {
	d := ucx.DefaultStandingThresholds
	t := &o.Thresholds
	f.IntVar(&t.WindowDays, "credit-window-days", env.int("UCX_CREDIT_WINDOW_DAYS", d.WindowDays), "days a credit event counts towards an exporter's score (UCX_CREDIT_WINDOW_DAYS)")
	f.IntVar(&t.Warned, "credit-warned", env.int("UCX_CREDIT_WARNED", d.Warned), "score from which an exporter is warned (UCX_CREDIT_WARNED)")
	f.IntVar(&t.Rectification, "credit-rectification", env.int("UCX_CREDIT_RECTIFICATION", d.Rectification), "score from which rectification is ordered (UCX_CREDIT_RECTIFICATION)")
	f.IntVar(&t.Suspended, "credit-suspended", env.int("UCX_CREDIT_SUSPENDED", d.Suspended), "score from which an exporter is suspended (UCX_CREDIT_SUSPENDED)")
	f.IntVar(&t.NamingCount, "naming-count", env.int("UCX_NAMING_COUNT", d.NamingCount), "wrong filings in a period that get an exporter named publicly, R6 (UCX_NAMING_COUNT)")
	c := ucx.DefaultFigureConfig
	f.IntVar(&o.Figures.NearZeroKM, "near-zero-km", env.int("UCX_NEAR_ZERO_KM", c.NearZeroKM), "odometer under which a car counts as (near-)zero mileage in the figures (UCX_NEAR_ZERO_KM)")
	f.IntVar(&o.Figures.SmallBelow, "small-exporter-below", env.int("UCX_SMALL_EXPORTER_BELOW", c.SmallBelow), "applications a year under which an exporter is small in the figures (UCX_SMALL_EXPORTER_BELOW)")
	f.IntVar(&o.Figures.LargeFrom, "large-exporter-from", env.int("UCX_LARGE_EXPORTER_FROM", c.LargeFrom), "applications a year from which an exporter is large (UCX_LARGE_EXPORTER_FROM)")
	f.IntVar(&o.Figures.MinCell, "public-min-cell", env.int("UCX_PUBLIC_MIN_CELL", c.MinCell), "public figures suppress counts under this (UCX_PUBLIC_MIN_CELL)")
}

// startStandings recomputes every exporter's credit standing now and then
// each day just after midnight China time, when the rolling window moves
// on: an event that leaves the window lifts a standing without anyone
// acting (R8). It stops with ctx; Close waits for it.
func (m *Main) startStandings(ctx context.Context) {
	m.standingsDone = make(chan struct{})
	go func() {
		defer close(m.standingsDone)
		for {
			if n, err := m.DB.RefreshStandings(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				m.Logger.Error("refreshing credit standings", "err", err.Error())
			} else if n > 0 {
				m.Logger.Info("credit standings refreshed", "changed", n)
			}
			t := time.NewTimer(untilNextDay(time.Now()))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
}

// untilNextDay is the time from now to five past midnight, China time.
func untilNextDay(now time.Time) time.Duration {
	next := ucx.DateOf(now).AddDays(1).Time().Add(5 * time.Minute)
	return next.Sub(now)
}
