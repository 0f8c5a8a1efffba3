package api

import (
	"bytes"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"

	"cartera/internal/http/edge"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"cartera/internal/statements"
)

// reportPath reads a report's path: the partner's :id and the :period_end.
func reportPath(c *fiber.Ctx) (int64, time.Time, error) {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return 0, time.Time{}, err
	}
	t, err := civil.Parse(c.Params("period_end"))
	if err != nil {
		return 0, time.Time{}, apperr.Invalid(apperr.FieldError{Field: "period_end", Message: edge.DateMessage})
	}
	return id, t, nil
}

func (h *handlers) listStatements(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return err
	}
	reports, err := h.statements.List(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": each(reports, toStatementJSON)})
}

func (h *handlers) getStatement(c *fiber.Ctx) error {
	id, end, err := reportPath(c)
	if err != nil {
		return err
	}
	r, err := h.statements.Get(c.UserContext(), id, end)
	if err != nil {
		return err
	}
	return c.JSON(toStatementJSON(r))
}

// putStatement stores the whole report for the period: figures left out are not
// reported (a PUT replaces, it does not merge).
func (h *handlers) putStatement(c *fiber.Ctx) error {
	id, end, err := reportPath(c)
	if err != nil {
		return err
	}
	o, err := decodeObject(c)
	if err != nil {
		return err
	}
	r := kpi.Statement{PeriodEnd: end}
	o.require("months", "currency")
	o.integer("months", &r.Months)
	o.text("currency", &r.Currency)
	if o.has("period_end") {
		var inBody time.Time
		if o.date("period_end", &inBody) && !inBody.Equal(end) {
			o.bad.Add("period_end", "%s differs from the period end in the path (%s)", inBody.Format(civil.Layout), end.Format(civil.Layout))
		}
	}
	for _, in := range kpi.Inputs {
		var v decimal.Decimal
		ok := false
		if in.Kind == kpi.Count {
			ok = o.wholeNumber(in.Name, &v)
		} else {
			ok = o.amount(in.Name, &v)
		}
		if ok {
			in.Set(&r.Figures, &v)
		}
	}
	o.ignore("id", "partner_id", "created_at", "updated_at")
	if err := o.done(); err != nil {
		return err
	}
	stored, outcome, err := h.statements.Put(c.UserContext(), actor(c), id, r)
	if err != nil {
		return err
	}
	if outcome == statements.Created {
		c.Location(fmt.Sprintf("/api/v1/partners/%d/statements/%s", id, stored.PeriodEnd.Format(civil.Layout)))
		c.Status(http.StatusCreated)
	}
	return c.JSON(toStatementJSON(stored))
}

func (h *handlers) deleteStatement(c *fiber.Ctx) error {
	id, end, err := reportPath(c)
	if err != nil {
		return err
	}
	if err := h.statements.Delete(c.UserContext(), actor(c), id, end); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// ratioNumber is a ratio as a JSON number, rid of float noise (0.30000000000000004).
func ratioNumber(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := math.Round(*v*1e8) / 1e8
	return &r
}

type periodJSON struct {
	PeriodEnd string                 `json:"period_end"`
	Months    int                    `json:"months"`
	Currency  string                 `json:"currency"`
	Figures   statements.FiguresJSON `json:"figures"`
	Ratios    map[kpi.Name]*float64  `json:"ratios"`
	Basis     map[kpi.Name]kpi.Basis `json:"basis"`
}

func (h *handlers) partnerKPIs(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return err
	}
	periods, err := h.statements.Series(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := make([]periodJSON, len(periods))
	for i, p := range periods {
		pj := periodJSON{PeriodEnd: dateString(p.PeriodEnd), Months: p.Months, Currency: p.Currency,
			Figures: statements.FiguresJSON(p.Figures), Ratios: map[kpi.Name]*float64{}, Basis: map[kpi.Name]kpi.Basis{}}
		for _, n := range kpi.Names {
			r := p.Ratios[n]
			pj.Ratios[n] = ratioNumber(r.Value)
			if r.Basis != "" {
				pj.Basis[n] = r.Basis
			}
		}
		out[i] = pj
	}
	return c.JSON(fiber.Map{"partner_id": id, "periods": out})
}

// partnerFilter reads the filters peers and exports share: country, region (a UN
// M.49 group), legal_status, methodology.
func partnerFilter(c *fiber.Ctx, bad *apperr.Fields) partner.Filter {
	var f partner.Filter
	if s := strings.ToUpper(strings.TrimSpace(c.Query("country"))); s != "" {
		if !partner.IsCountryCode(s) {
			bad.Add("country", "%q is not an ISO 3166-1 alpha-2 country code (e.g. BO, PE)", s)
		}
		f.Country = s
	}
	if s := c.Query("region"); s != "" {
		wr, err := partner.ParseWorldRegion(s)
		if err != nil {
			bad.Add("region", "%v", err)
		}
		f.WorldRegion = &wr
	}
	if s := c.Query("legal_status"); s != "" {
		f.LegalStatus = partner.LegalStatus(strings.ToLower(s))
		if !f.LegalStatus.Valid() {
			bad.Add("legal_status", "must be one of ngo, cooperative, nbfi, bank, other")
		}
	}
	if s := c.Query("methodology"); s != "" {
		f.Methodology = partner.Methodology(strings.ToLower(s))
		if !f.Methodology.Valid() {
			bad.Add("methodology", "must be one of individual, solidarity_group, village_banking, mixed")
		}
	}
	return f
}

// optionalID reads ?name=<id>.
func optionalID(c *fiber.Ctx, name string, bad *apperr.Fields) *int64 {
	return edge.QueryID(func(k string) string { return c.Query(k) }, name, bad)
}

type peerRatioJSON struct {
	Ratio    kpi.Name `json:"ratio"`
	Better   *string  `json:"better"`
	N        int      `json:"n"`
	Min      *float64 `json:"min"`
	Q1       *float64 `json:"q1"`
	Mean     *float64 `json:"mean"`
	Median   *float64 `json:"median"`
	Q3       *float64 `json:"q3"`
	Max      *float64 `json:"max"`
	Value    *float64 `json:"value,omitempty"`
	Rank     *int     `json:"rank,omitempty"`
	Quartile *int     `json:"quartile,omitempty"`
}

type peerMemberJSON struct {
	PartnerID   int64   `json:"partner_id"`
	Name        string  `json:"name"`
	Country     string  `json:"country"`
	LegalStatus string  `json:"legal_status"`
	Methodology *string `json:"methodology"`
	PeriodEnd   string  `json:"period_end"`
	Currency    string  `json:"currency"`
}

type exclusionJSON struct {
	PartnerID int64      `json:"partner_id"`
	Ratios    []kpi.Name `json:"ratios"`
	Reason    string     `json:"reason"`
}

func (h *handlers) peers(c *fiber.Ctx) error {
	var bad apperr.Fields
	q := statements.PeerQuery{Filter: partnerFilter(c, &bad), PartnerID: optionalID(c, "partner_id", &bad)}
	if s := c.Query("period_end"); s == "" {
		bad.Add("period_end", "is required (YYYY-MM-DD): the peer group is the partners with a report that month")
	} else if t, err := civil.Parse(s); err != nil {
		bad.Add("period_end", edge.DateMessage)
	} else {
		q.PeriodEnd = t
	}
	q.Currency = currencyParam(c, "currency", &bad)
	if err := bad.Err(); err != nil {
		return err
	}
	t, err := h.statements.Peers(c.UserContext(), q)
	if err != nil {
		return err
	}
	members := make([]peerMemberJSON, len(t.Members))
	for i, m := range t.Members {
		members[i] = peerMemberJSON{PartnerID: m.ID, Name: m.Name, Country: m.Country, LegalStatus: string(m.LegalStatus),
			PeriodEnd: dateString(m.PeriodEnd), Currency: m.Currency}
		if m.Methodology != nil {
			s := string(*m.Methodology)
			members[i].Methodology = &s
		}
	}
	ratios := make([]peerRatioJSON, len(t.Ratios))
	for i, r := range t.Ratios {
		rj := peerRatioJSON{Ratio: r.Name, N: r.N}
		if r.Direction != kpi.NoDirection {
			d := string(r.Direction)
			rj.Better = &d
		}
		if r.N > 0 {
			rj.Min, rj.Q1, rj.Mean = ratioNumber(&r.Min), ratioNumber(&r.Q1), ratioNumber(&r.Mean)
			rj.Median, rj.Q3, rj.Max = ratioNumber(&r.Median), ratioNumber(&r.Q3), ratioNumber(&r.Max)
		}
		if r.Value != nil {
			rj.Value = ratioNumber(r.Value)
			if r.Position.Rank > 0 {
				rj.Rank = &r.Position.Rank
			}
			if r.Position.Quartile > 0 {
				rj.Quartile = &r.Position.Quartile
			}
		}
		ratios[i] = rj
	}
	excluded := make([]exclusionJSON, len(t.Excluded))
	for i, e := range t.Excluded {
		excluded[i] = exclusionJSON{PartnerID: e.PartnerID, Ratios: e.Ratios, Reason: e.Reason}
	}
	out := fiber.Map{"period_end": dateString(t.PeriodEnd), "currency": t.Currency, "partners": len(t.Members),
		"members": members, "ratios": ratios, "excluded": excluded}
	if t.PartnerID != nil {
		out["partner_id"], out["partner_in_group"] = *t.PartnerID, t.PartnerInGroup
		out["partner_period_end"] = optDate(t.PartnerPeriodEnd)
	}
	return c.JSON(out)
}

// currencyParam reads an optional ISO 4217 code.
func currencyParam(c *fiber.Ctx, name string, bad *apperr.Fields) string {
	s := c.Query(name)
	if s == "" {
		return ""
	}
	cur, err := money.ParseCurrency(s)
	if err != nil {
		bad.Add(name, "%v", err)
		return ""
	}
	return cur.Code
}

// boolParam reads ?name=true|false (1/0, yes/no), false when absent.
func boolParam(c *fiber.Ctx, name string, bad *apperr.Fields) bool {
	switch strings.ToLower(c.Query(name)) {
	case "", "false", "0", "no":
		return false
	case "true", "1", "yes":
		return true
	}
	bad.Add(name, "must be true or false")
	return false
}

// importStatements takes a CSV or XLSX file, as the request body or as the "file" part of
// a multipart form (what a browser's file input sends).
func (h *handlers) importStatements(c *fiber.Ctx) error {
	var bad apperr.Fields
	opts := statements.ImportOptions{
		CreatePartners:       boolParam(c, "create_partners", &bad),
		IgnoreUnknownColumns: boolParam(c, "ignore_unknown_columns", &bad),
		DryRun:               boolParam(c, "dry_run", &bad),
	}
	if err := bad.Err(); err != nil {
		return err
	}
	data, err := uploadedFile(c)
	if err != nil {
		return err
	}
	res, err := h.statements.ImportFile(c.UserContext(), actor(c), data, opts)
	if err != nil {
		return err
	}
	created := make([]fiber.Map, len(res.PartnersCreated))
	for i, p := range res.PartnersCreated {
		var id *int64 // null in a dry run: the partner was not kept
		if p.ID != 0 {
			id = &p.ID
		}
		created[i] = fiber.Map{"id": id, "name": p.Name, "country": p.Country, "legal_status": p.LegalStatus}
	}
	return c.JSON(fiber.Map{"rows": res.Rows, "created": res.Created, "replaced": res.Replaced, "unchanged": res.Unchanged,
		"partners_created": created, "ignored_columns": res.IgnoredColumns, "dry_run": res.DryRun})
}

// uploadedFile returns the uploaded file's bytes: the form's "file" part, or the
// whole request body.
func uploadedFile(c *fiber.Ctx) ([]byte, error) {
	mediaType, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if mediaType == fiber.MIMEMultipartForm {
		_, data, err := edge.Upload(c, "CSV or XLSX")
		return data, err
	}
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, apperr.Invalid(apperr.FieldError{Field: "file", Message: "the request body is empty: send a CSV or XLSX file"})
	}
	return body, nil
}

func (h *handlers) exportStatements(c *fiber.Ctx) error {
	var bad apperr.Fields
	q := statements.ExportQuery{Filter: partnerFilter(c, &bad), PartnerID: optionalID(c, "partner_id", &bad)}
	if s := c.Query("period_end"); s != "" {
		t, err := civil.Parse(s)
		if err != nil {
			bad.Add("period_end", edge.DateMessage)
		}
		q.PeriodEnd = &t
	}
	format := statements.Format(strings.ToLower(c.Query("format", "csv")))
	if format != statements.CSV && format != statements.XLSX {
		bad.Add("format", "must be csv or xlsx")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	rows, err := h.statements.Export(c.UserContext(), q)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == statements.XLSX {
		err = statements.WriteXLSX(&buf, rows)
	} else {
		err = statements.WriteCSV(&buf, rows)
	}
	if err != nil {
		return err
	}
	name := "financial-statements"
	if q.PeriodEnd != nil {
		name += "-" + q.PeriodEnd.Format("2006-01")
	}
	return edge.SendFile(c, format.ContentType(), fmt.Sprintf("%s.%s", name, format), buf.Bytes())
}
