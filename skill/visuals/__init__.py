"""Pictures of where the hands go: drawings as AVG data, rendered as SVG for the web and APL for screens."""
