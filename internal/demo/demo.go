// Package demo loads the demonstration data drawn from the seed documents: a fund, the
// partners DOMAIN.md names with their facts, and an admin account. It goes through the
// domain services, so the demo is validated and audited like any other write.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/figures"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/user"
)

// AdminEmail is the demo administrator's login.
const AdminEmail = "admin@cartera.example"

// The demo is loaded in parts, each marked done once, so an installation that loaded
// an earlier part gets the later ones on its next start.
const (
	loadedKey        = "demo_loaded"
	ledgerLoadedKey  = "demo_ledger_loaded"
	figuresLoadedKey = "demo_figures_loaded"
)

// Services are what the loader writes through.
type Services struct {
	Conn     *sqlx.DB
	Funds    *fund.Service
	Partners *partner.Service
	Users    *user.Service
	Loans    *loan.Service
	FX       *fx.Service
	Figures  *figures.Service
}

// Result says what Load did.
type Result struct {
	// AlreadyLoaded is true when an earlier Load finished; nothing was written.
	AlreadyLoaded bool
	Partners      int
	Loans         int
	Reports       int
	// Skipped says which demo reports were not loaded, and why (an installation whose
	// demo partners were changed before this part of the demo arrived).
	Skipped []string
	// AdminPassword is set when this Load created the admin account; it is random.
	// The database keeps only its hash; `cartera serve` on the embedded cluster also
	// keeps it in the data directory (demo-admin.txt, mode 0600) to show it again.
	AdminPassword string
}

// Load writes the demo data unless it was loaded before. Each piece is created only if
// missing, so a Load interrupted half-way can simply be run again.
func Load(ctx context.Context, s Services) (Result, error) {
	m, err := openMarkers(ctx, s)
	if err != nil {
		return Result{}, err
	}
	defer m.close()
	done := func(key string) (bool, error) { return m.done(ctx, key) }
	actor := audit.System("demo loader")
	var res Result
	base, err := done(loadedKey)
	if err != nil {
		return res, err
	}
	ledger, err := done(ledgerLoadedKey)
	if err != nil {
		return res, err
	}
	figs, err := done(figuresLoadedKey)
	if err != nil {
		return res, err
	}
	if base && ledger && figs {
		return Result{AlreadyLoaded: true}, nil
	}
	if !base {
		if err := loadBase(ctx, s, actor, &res); err != nil {
			return res, err
		}
		if err := m.set(ctx, loadedKey); err != nil {
			return res, err
		}
	}
	if !ledger {
		if res.Loans, err = loadLedger(ctx, s, actor, civil.Today()); err != nil {
			return res, err
		}
		if err := m.set(ctx, ledgerLoadedKey); err != nil {
			return res, err
		}
	}
	if !figs {
		// Put replaces a period's report, so a load interrupted here can run again.
		if res.Reports, res.Skipped, err = loadFigures(ctx, s, actor); err != nil {
			return res, err
		}
		if err := m.set(ctx, figuresLoadedKey); err != nil {
			return res, err
		}
	}
	return res, nil
}

const demoFundName = "Demo Impact Fund"

// markers say which parts of the demo (and which synthetic books) are loaded.
type markers struct {
	q struct {
		Get *sqlx.Stmt `query:"get-meta"`
		Set *sqlx.Stmt `query:"set-meta"`
	}
}

func openMarkers(ctx context.Context, s Services) (*markers, error) {
	m := &markers{}
	if err := db.PrepareQueries(ctx, s.Conn, "demo.sql", &m.q); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *markers) close() {
	m.q.Get.Close()
	m.q.Set.Close()
}

// done reports whether the part named key was loaded.
func (m *markers) done(ctx context.Context, key string) (bool, error) {
	var v string
	switch err := m.q.Get.GetContext(ctx, &v, key); {
	case err == nil:
		return true, nil
	case db.IsNoRows(err):
		return false, nil
	default:
		return false, fmt.Errorf("read demo marker %s: %w", key, err)
	}
}

// set marks the part named key loaded.
func (m *markers) set(ctx context.Context, key string) error {
	if _, err := m.q.Set.ExecContext(ctx, key, "true"); err != nil {
		return fmt.Errorf("mark %s loaded: %w", key, err)
	}
	return nil
}

// loadBase writes the fund, the partners and the admin account.
func loadBase(ctx context.Context, s Services, actor audit.Actor, res *Result) error {
	funds, err := s.Funds.List(ctx)
	if err != nil {
		return err
	}
	if len(funds) == 0 {
		if _, err := s.Funds.Create(ctx, actor, demoFundName, "USD"); err != nil {
			return fmt.Errorf("demo fund: %w", err)
		}
	}
	for _, p := range Partners() {
		_, err := s.Partners.Create(ctx, actor, p)
		if apperr.IsKind(err, apperr.KindConflict) {
			continue // loaded by an earlier, interrupted run
		}
		if err != nil {
			return fmt.Errorf("demo partner %s: %w", p.Name, err)
		}
		res.Partners++
	}
	if _, err := s.Users.ByEmail(ctx, AdminEmail); apperr.IsKind(err, apperr.KindNotFound) {
		password, err := randomPassword()
		if err != nil {
			return err
		}
		if _, err := s.Users.Create(ctx, actor, user.NewUser{Email: AdminEmail, Name: "Demo administrator", Role: user.Admin, Password: password}); err != nil {
			return fmt.Errorf("demo admin: %w", err)
		}
		res.AdminPassword = password
	} else if err != nil {
		return err
	}
	return nil
}

func randomPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func year(y int) *int { return &y }

func method(m partner.Methodology) *partner.Methodology { return &m }

// Partners returns the demo partners, with the facts the seed documents give.
func Partners() []partner.Fields {
	return []partner.Fields{
		{
			Name:         "Impro",
			Country:      "BO",
			Region:       "Altiplano, El Alto and near Lake Titicaca",
			LegalStatus:  partner.NGO,
			Founded:      year(1995),
			PartnerSince: year(2010),
			Sectors:      []string{"dairy", "agriculture", "housing"},
			Description: "Impro (Incubadora de Microempresas Productivas) is a small Bolivian microfinance NGO created in 1995. " +
				"It has diversified into loans for dairy farmers, who buy higher-yielding cows and better stables, " +
				"and social housing loans, which are larger and longer. Its dairy producers programme started in 2012.",
			Strengths: "Very competent management.\nPortfolio tripled in four years, from US$ 1 million (2010) to US$ 3.1 million (2014); " +
				"clients grew from 1,700 to 2,503.\nProducts tailored to local needs.",
			Risks: "Small institution.\nDairy lending depends on government support for the sector (minimum milk price, school milk contracts).",
		},
		{
			Name:        "ADRA Peru",
			Country:     "PE",
			Region:      "Peri-urban areas of seven cities in southern Peru (Puno, Tacna, Arequipa, Juliaca); head office in Lima",
			LegalStatus: partner.NGO,
			Methodology: method(partner.VillageBanking),
			Description: "The village banking programme of ADRA Peru, the Adventist development agency, lends since 1997 to micro-entrepreneurs " +
				"through community banks of 20 to 35 members, in local currency only (US$ 57 to 1,300 per member).",
			Strengths: "Significant portfolio growth with excellent portfolio quality.\nProgramme management trained in microfinance.\n" +
				"Institutional backing of ADRA International and the Adventist Church.",
			Risks: "High operating expenses, low productivity and dependence on operating subsidies prevent self-sufficiency.\n" +
				"Accounting dependent on ADRA Peru's and donors' requirements.\nA board without a shared vision for the programme.\n" +
				"No access to commercial funding.\nInternal audit not specialised in microfinance.",
		},
		{
			Name:        "Pro Mujer Bolivia",
			Country:     "BO",
			Region:      "El Alto, Cochabamba, Sucre and Tarija",
			LegalStatus: partner.NGO,
			Founded:     year(1990),
			Methodology: method(partner.VillageBanking),
			Sectors:     []string{"health"},
			Description: "Pro Mujer is a non-profit NGO that lends to women through community associations of 5 or 6 solidarity groups, " +
				"in cycles of 3 to 8 months (US$ 100 to 1,000), with training and primary health care alongside. " +
				"In July 2001: 24 focal centres, 1,547 community associations, 28,606 clients, gross loan portfolio US$ 3,505,310.",
			Strengths: "Integral approach (credit, savings, business training, health).\nFocal centres concentrate clients efficiently.",
			Risks:     "Economic recession in Bolivia and adverse conditions for its clients slow portfolio growth.",
		},
		{Name: "WWB Bucaramanga", Country: "CO", LegalStatus: partner.NGO, Methodology: method(partner.Individual)},
		{Name: "D-Miro", Country: "EC", LegalStatus: partner.NGO},
		{Name: "Compartamos", Country: "MX", LegalStatus: partner.NBFI, Methodology: method(partner.VillageBanking)},
	}
}
