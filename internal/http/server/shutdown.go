package server

import (
	"net"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Drainer stops an application promptly with connections open that carry no request:
// a browser tab keeps its connections open between requests, and opens some ahead of
// need that may never send one. The HTTP server closes the keep-alive ones between
// requests when it shuts down, but gives a connection that has sent nothing yet five
// seconds first; Ctrl-C with a tab open then took that long, or the whole shutdown
// budget. Drainer closes those at once; requests in flight still finish.
type Drainer struct {
	app      *fiber.App
	mu       sync.Mutex
	fresh    map[net.Conn]struct{} // accepted, no byte of a request read yet
	stopping bool
}

// NewDrainer watches app's connections; call it before the app starts listening.
func NewDrainer(app *fiber.App) *Drainer {
	d := &Drainer{app: app, fresh: map[net.Conn]struct{}{}}
	srv := app.Server()
	srv.ConnState = d.observe
	// A keep-alive connection that finishes a request during the shutdown is told
	// "Connection: close", so its client does not send the next one there.
	srv.CloseOnShutdown = true
	return d
}

func (d *Drainer) observe(c net.Conn, state fasthttp.ConnState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if state != fasthttp.StateNew {
		delete(d.fresh, c) // a request began, or the connection is gone
		return
	}
	if d.stopping {
		_ = c.Close()
		return
	}
	d.fresh[c] = struct{}{}
}

// Shutdown stops accepting connections, closes those that have sent nothing and the
// idle keep-alive ones, and waits up to grace for the requests in flight.
func (d *Drainer) Shutdown(grace time.Duration) error {
	d.mu.Lock()
	d.stopping = true
	for c := range d.fresh {
		// The server reads the closed connection as closed by itself: no error logged.
		_ = c.Close()
		delete(d.fresh, c)
	}
	d.mu.Unlock()
	return d.app.ShutdownWithTimeout(grace)
}
