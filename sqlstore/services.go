package sqlstore

import (
	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/tlog"
)

// The services DB implements besides those checked beside their methods
// (application.go, confirmation.go, licence.go, …): the web sessions
// (user.go), the transparency log (tlog.go) with each document's leaf
// (documents.go), and the policy what-if (whatif.go).
var (
	_ ucx.WebSessionService   = (*DB)(nil)
	_ tlog.LogService         = (*DB)(nil)
	_ ucx.DocumentLogService  = (*DB)(nil)
	_ ucx.PolicyWhatIfService = (*DB)(nil)
)
