package ui_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// browserEnv is the application served over real HTTP, and a headless Chromium
// driving it as a user would: typing into forms and clicking buttons.
type browserEnv struct {
	*env
	base string
	// shots is where screenshots of failed steps go; it outlives the test.
	shots string
}

// newBrowserEnv serves e on a free port. Without Chromium the test is skipped, unless
// CARTERA_REQUIRE_BROWSER is set (as in CI), when it fails: a browser test that did
// not run must not pass as green.
func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	chromium := findChromium()
	if chromium == "" {
		if os.Getenv("CARTERA_REQUIRE_BROWSER") != "" || os.Getenv("CI") != "" {
			t.Fatal("no Chromium found (Debian's chromium package), and CARTERA_REQUIRE_BROWSER/CI needs the browser tests to run")
		}
		t.Skip("no Chromium found (apt-get install chromium): browser tests skipped")
	}
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.ShutdownWithTimeout(5 * time.Second) })
	shots, err := os.MkdirTemp("", "cartera-browser-"+strings.ReplaceAll(t.Name(), "/", "-")+"-")
	if err != nil {
		t.Fatal(err)
	}
	return &browserEnv{env: e, base: "http://" + ln.Addr().String(), shots: shots}
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// tab is one browser (its own profile, so its own cookies) with one tab.
type tab struct {
	t   *testing.T
	b   *browserEnv
	ctx context.Context
}

func (b *browserEnv) open(t *testing.T) *tab {
	t.Helper()
	profile := t.TempDir()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(findChromium()), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900))
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &tab{t: t, b: b, ctx: ctx}
}

// do runs the steps of one user action; on failure it saves a screenshot and the
// page's HTML beside it, and stops the test.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.fail(what, err)
	}
}

func (tb *tab) fail(what string, err error) {
	tb.t.Helper()
	name := filepath.Join(tb.b.shots, strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' {
			return '-'
		}
		return r
	}, what))
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		_ = os.WriteFile(name+".png", png, 0o644)
	}
	if html, herr := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); herr == nil {
		_ = os.WriteFile(name+".html", []byte(html), 0o644)
	}
	tb.t.Fatalf("%s: %v (screenshot: %s.png)", what, err, name)
}

// text returns the text of the first element matching css.
func (tb *tab) text(css string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		tb.fail("read "+css, err)
	}
	return s
}

// mustSee waits for the page (after a navigation) and checks it shows every text.
func (tb *tab) mustSee(what string, texts ...string) string {
	tb.t.Helper()
	body := tb.text("body")
	for _, s := range texts {
		if !strings.Contains(body, s) {
			tb.fail(what, fmt.Errorf("the page does not show %q", s))
		}
	}
	return body
}

func (tb *tab) signIn(email string) {
	tb.t.Helper()
	tb.do("sign in as "+email,
		chromedp.Navigate(tb.b.base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("form.signout")),
	)
}

// fetchStatus has the page itself send a request (with its cookies) and returns the
// status: what a forged or scripted request would get.
func (tb *tab) fetchStatus(method, path, body string) int {
	tb.t.Helper()
	js := fmt.Sprintf(`fetch(%q, {method: %q, headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: %s, redirect: "manual"}).then(r => r.status)`,
		path, method, jsBody(method, body))
	status, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.fail("fetch "+path, err)
	}
	return status
}

func jsBody(method, body string) string {
	if method == "GET" {
		return "undefined"
	}
	return fmt.Sprintf("%q", body)
}

// download clicks a link and returns the bytes of the file the browser saved.
func (tb *tab) download(link string) []byte {
	tb.t.Helper()
	dir := tb.t.TempDir()
	if _, err := chromedp.CallBrowser(tb.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		tb.fail("allow downloads", err)
	}
	tb.do("click "+link, chromedp.Click(chromedp.CSS(link)))
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".crdownload") {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err == nil && len(b) > 0 {
					return b
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.fail("download "+link, fmt.Errorf("no file within 30 s"))
	return nil
}

// screenshot saves the current page as a PNG, for the README.
func (tb *tab) screenshot(path string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.fail("screenshot", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// waitFor waits until the first element matching css contains text: after a click
// that navigates, the old page's elements are still there for a moment, so waiting
// for an element alone could read the page before the action.
func (tb *tab) waitFor(css, text string) {
	tb.t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e !== null && e.textContent.includes(%q) })()`, css, text)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tb.fail("wait for "+text, fmt.Errorf("%s never showed %q (last error: %v)", css, text, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
