import sys

try:
    from fundmodel.cli import main
except KeyboardInterrupt:  # Ctrl-C while the libraries load: one line, as at any other time
    print("fundmodel: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
