from modelci.cli import main

raise SystemExit(main())
