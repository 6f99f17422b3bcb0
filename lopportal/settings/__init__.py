"""Settings per environment: `local` (development default), `test`, `production`."""
