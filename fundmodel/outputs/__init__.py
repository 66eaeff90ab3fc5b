"""What the model writes: terminal report, charts, views, Excel workbooks."""
