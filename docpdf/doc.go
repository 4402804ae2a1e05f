// Package docpdf renders sealed documents — the After-Sales Service
// Confirmation (R2–R4) and the export licence (R4, R5, R14) — as PDF files
// that people outside China can hold, print and check: laid out as an
// official document in Chinese with English (and, on the licence, a
// buyer-facing page in Russian), with the issuer's seal, a QR code of the
// public verify address, the document's digest and the root key's
// fingerprint. The PDF carries the document's verification bundle as an
// embedded file (ucx-bundle.json), so that `ucx verify licence.pdf` checks
// the PDF itself offline; Bundle extracts it again.
//
// The fonts are embedded in the binary, so a server needs no system
// fonts: DejaVu Sans (Latin, Cyrillic) and Droid Sans Fallback (CJK), both
// TrueType, which the PDF library needs, and both under licences that
// allow embedding (fonts/README.md). Each PDF embeds only the glyphs it
// uses.
package docpdf
