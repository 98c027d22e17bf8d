"""The programme's round report as HTML, XLSX and PNG charts.

The numbers are assembled in the domain core (``stations.programme.report``); this only renders.
"""
