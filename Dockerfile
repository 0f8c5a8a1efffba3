# Cartera for a server: a static binary on a minimal, non-root image. In a container
# there is no embedded PostgreSQL: set DATABASE_URL (compose.yaml does).
# The same Go release as .ci/run (GOTOOLCHAIN): the standard library fixes ship in point releases.
FROM golang:1.26.10-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" -o /out/cartera ./cmd/cartera

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cartera /usr/local/bin/cartera
USER nonroot:nonroot
ENV CARTERA_ADDR=:8080 \
    CARTERA_LOG_FORMAT=json \
    CARTERA_DEMO=false
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/cartera"]
CMD ["serve"]
