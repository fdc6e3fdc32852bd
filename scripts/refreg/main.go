// refreg: go-containerregistry's in-memory registry (pkg/registry) with the OCI 1.1 referrers API on.
// Built by scripts/provision-peers.sh from Debian's golang-github-google-go-containerregistry-dev sources
// (GOPATH mode, no module download). Usage: refreg -addr 127.0.0.1:PORT
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5000", "listen address")
	flag.Parse()
	log.Printf("refreg listening on %s (OCI referrers API on, in memory)", *addr)
	log.Fatal(http.ListenAndServe(*addr, registry.New(registry.WithReferrersSupport(true))))
}
