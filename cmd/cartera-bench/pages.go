package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	goruntime "runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"cartera/internal/cli"
	"cartera/internal/demo"
)

// runBenchPages times every page of the web UI on a running server: the server's own
// time (its Server-Timing header), the time at the client, and the page's weight. The
// first request's server time is shown apart too: pages whose answers the server keeps
// while the data stays the same (exposure, the watch list) compute them on the first
// (unless an earlier page did), as after any write; p50 and p99 include it.
func runBenchPages(ctx context.Context, args []string, stdio cli.Stdio) error {
	var c cli.Common
	fs := cli.NewFlags("cartera-bench pages", "Request every page of the web UI on a running server, one at a time, and print each page's "+
		"server time (Server-Timing) on the first request and p50/p99 over all, client time and weight. It signs in through a session it creates in the "+
		"server's database (--data-dir or DATABASE_URL) and ends afterwards.", stdio.Err)
	c.Register(fs, "warn")
	url := fs.String("url", "http://127.0.0.1:8080", "the running server")
	times := fs.Int("n", 20, "requests per page")
	email := fs.String("email", demo.AdminEmail, "the user (an admin sees every page) the benchmark signs in as")
	afterWrite := fs.Bool("after-write", false, "before each page, write a statement that changes nothing to the partners' table, "+
		"which every answer the server keeps reads (exposure, the watch list, peers): each page's first request then computes "+
		"them, as the first after a real write does")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *times < 1 {
		fmt.Fprintln(stdio.Err, "--n must be at least 1")
		return cli.ErrUsage
	}
	rt, err := c.Start(ctx, stdio.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	u, err := rt.Svc.Users.ByEmail(ctx, *email)
	if err != nil {
		return err
	}
	secret, err := rt.Svc.Users.StartSession(ctx, u.ID)
	if err != nil {
		return err
	}
	defer func() { _ = rt.Svc.Users.EndSession(context.WithoutCancel(ctx), secret) }()

	p := &pageBencher{base: strings.TrimRight(*url, "/"), cookie: "cartera_session=" + secret, client: &http.Client{
		Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	pages, err := p.discover(ctx)
	if err != nil {
		return err
	}
	css, err := p.get(ctx, "/static/cartera.css")
	if err != nil {
		return err
	}
	out := stdio.Out
	fmt.Fprintf(out, "%d pages × %d requests, %s, %d cores, %s; weight = HTML + the stylesheet (%d bytes)\n",
		len(pages), *times, *url, goruntime.NumCPU(), time.Now().UTC().Format("2006-01-02"), len(css.body))
	if *afterWrite {
		fmt.Fprintln(out, "each page after a write: its first request computes what the server keeps")
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "page\tfirst\tserver p50\tserver p99\tclient p50\tweight\t")
	var slowest time.Duration
	var slowPage string
	for _, path := range pages {
		if *afterWrite {
			if _, err := rt.Svc.Conn.ExecContext(ctx, `UPDATE partners SET name = name WHERE false`); err != nil {
				return err
			}
		}
		server, client, size, err := p.time(ctx, path, *times)
		if err != nil {
			return err
		}
		size += len(css.body)
		first := server[0]
		sortDurations(server)
		sortDurations(client)
		if p99 := pct(server, 99); p99 > slowest {
			slowest, slowPage = p99, path
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d KB\t\n", path, ms(first), ms(pct(server, 50)), ms(pct(server, 99)), ms(pct(client, 50)),
			(size+1023)/1024)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "slowest page (server p99): %s, %s\n", slowPage, ms(slowest))
	return nil
}

// time requests path n times: the server's time and the client's of each, in order,
// and the page's size.
func (p *pageBencher) time(ctx context.Context, path string, n int) (server, client []time.Duration, size int, err error) {
	for range n {
		began := time.Now()
		r, err := p.get(ctx, path)
		if err != nil {
			return nil, nil, 0, err
		}
		client = append(client, time.Since(began))
		server = append(server, r.serverTime)
		size = len(r.body)
	}
	return server, client, size, nil
}

type pageBencher struct {
	base, cookie string
	client       *http.Client
}

type pageResult struct {
	body       []byte
	serverTime time.Duration
}

var serverTiming = regexp.MustCompile(`app;dur=([0-9.]+)`)

func (p *pageBencher) get(ctx context.Context, path string) (pageResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	if err != nil {
		return pageResult{}, err
	}
	req.Header.Set("Cookie", p.cookie)
	resp, err := p.client.Do(req)
	if err != nil {
		return pageResult{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return pageResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return pageResult{}, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return pageResult{body: body, serverTime: serverTimeIn(resp.Header.Get("Server-Timing"))}, nil
}

// serverTimeIn reads the server's own time from a Server-Timing header (zero without
// one).
func serverTimeIn(header string) time.Duration {
	m := serverTiming.FindStringSubmatch(header)
	if m == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(f * float64(time.Millisecond))
}

var (
	partnerLink = regexp.MustCompile(`href="/partners/([0-9]+)"`)
	loanLink    = regexp.MustCompile(`href="/loans/([0-9]+)"`)
)

// discover lists the pages to time: every page of the menu (the loans list, the watch
// list and the notifications among them), and the pages of the partner with the
// largest exposure and of its first loan.
func (p *pageBencher) discover(ctx context.Context) ([]string, error) {
	pages := []string{"/", "/partners", "/partners?sort=outstanding&overdue=yes", "/partners?watch=yes", "/partners/new", "/loans",
		"/loans?overdue=true&sort=-outstanding", "/watchlist", "/watchlist?reason=deterioration"}
	list, err := p.get(ctx, "/partners?sort=outstanding")
	if err != nil {
		return nil, err
	}
	m := partnerLink.FindSubmatch(list.body)
	if m == nil {
		return nil, fmt.Errorf("no partner on the server: load the demo or the large book first")
	}
	partner := "/partners/" + string(m[1])
	pages = append(pages, partner, partner+"/edit", partner+"/statements", partner+"/loans/new")
	page, err := p.get(ctx, partner)
	if err != nil {
		return nil, err
	}
	if m := loanLink.FindSubmatch(page.body); m != nil {
		pages = append(pages, "/loans/"+string(m[1]))
	}
	for _, by := range []string{"country", "region", "partner", "currency", "legal_status", "fund"} {
		pages = append(pages, "/exposure?by="+by)
	}
	return append(pages, "/fx", "/statements/import", "/newsletter", "/notifications", "/notifications?unread=true", "/breaches",
		"/admin/users", "/admin/tokens", "/admin/limits", "/admin/funds", "/admin/webhooks", "/admin/audit"), nil
}
