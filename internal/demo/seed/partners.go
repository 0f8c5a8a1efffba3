// Package seed holds the demo's source data: the partners of the seed documents and their
// figures, as plain values (no database), for the demo loader and for tests.
package seed

import "cartera/internal/partner"

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
