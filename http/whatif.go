package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/policy"
)

// maxPolicyBytes bounds a what-if body: a policy document is a page of
// parameters and rules (the embedded one is a few KiB), never data.
const maxPolicyBytes = 256 << 10

// PolicyWhatIfRequest is the envelope form of POST /api/v1/policy/what-if's
// body: the policy document with the period and the cap on listed cases.
// The body may also be the bare policy document, with the period in the
// query, so that `curl --data-binary @policy.json` works on the very file
// an authority would deploy.
type PolicyWhatIfRequest struct {
	Policy json.RawMessage `json:"policy"`
	From   string          `json:"from,omitempty"`
	To     string          `json:"to,omitempty"`
	Limit  int             `json:"limit,omitempty"`
}

// registerPolicyWhatIfRoutes registers the policy what-if.
func (s *Server) registerPolicyWhatIfRoutes() {
	s.handle("POST /api/v1/policy/what-if", s.authenticate(s.handlePolicyWhatIf))
}

func (s *Server) handlePolicyWhatIf(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	wi, ok := s.FiguresService.(ucx.PolicyWhatIfService)
	if !ok {
		s.Error(w, r, ucx.Errorf(ucx.EUNAVAILABLE, "the policy what-if is not available on this server"))
		return
	}
	// The store decides who may ask too; refusing here first spares
	// compiling a stranger's CEL rules and tells a non-authority 403
	// whatever its document says.
	if p == nil || !p.Is(ucx.KindAuthority) {
		s.Error(w, r, ucx.Errorf(ucx.EFORBIDDEN, "only a licensing authority may try another policy on the stored applications"))
		return
	}
	data, err := readBody(w, r, maxPolicyBytes)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	pol, from, to, limit, err := s.policyWhatIfInput(r.URL.Query(), data)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	res, err := wi.PolicyWhatIf(r.Context(), p, pol, from, to, limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// policyWhatIfInput reads the policy, the period and the limit from the
// body (envelope or bare document) and the query; the envelope's fields win
// over the query's. A document that does not load is policy.Load's
// EINVALID, naming the field or rule; in the envelope the field is
// prefixed with "policy.".
func (s *Server) policyWhatIfInput(q url.Values, data []byte) (*policy.Policy, ucx.Date, ucx.Date, int, error) {
	var zero ucx.Date
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, zero, zero, 0, ucx.FieldErrorf(ucx.EINVALID, "policy", "send the policy document to try as the JSON body")
	}
	doc, prefix := data, ""
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, zero, zero, 0, ucx.FieldErrorf(ucx.EINVALID, "policy", "the body is not a JSON object: %v", err)
	}
	if _, ok := probe["policy"]; ok {
		var env PolicyWhatIfRequest
		if err := decodeStrict(data, &env); err != nil {
			return nil, zero, zero, 0, err
		}
		doc, prefix = env.Policy, "policy."
		q = cloneValues(q)
		for k, v := range map[string]string{"from": env.From, "to": env.To} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if env.Limit != 0 {
			q.Set("limit", strconv.Itoa(env.Limit))
		}
	}
	from, to, err := wire.Period(q, ucx.DateOf(s.now()))
	if err != nil {
		return nil, zero, zero, 0, err
	}
	limit, err := wire.QueryInt(q, "limit", ucx.PolicyWhatIfLimit, 1, ucx.PolicyWhatIfLimit)
	if err != nil {
		return nil, zero, zero, 0, err
	}
	pol, err := policy.Load(doc)
	if err != nil {
		var e *ucx.Error
		if errors.As(err, &e) {
			c := *e
			c.Field = prefix + c.Field
			if c.Field == "" || c.Field == prefix {
				c.Field = "policy"
			}
			err = &c
		}
		return nil, zero, zero, 0, err
	}
	return pol, from, to, limit, nil
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
