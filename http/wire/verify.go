package wire

import (
	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
)

// StoredVerification is a stored document's verification as a reader who
// named it by digest or licence number may see it.
type StoredVerification struct {
	V *bundle.Verification
	// Doc is the stored document; Full is set when the reader showed the
	// holder's capability (a VIN on it), and V then has every fact.
	Doc  *ucx.Document
	Full bool
	// VIN is the capability as shown, for links that carry it on.
	VIN string
}
