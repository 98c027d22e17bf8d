"""The periodic monitoring programme: laboratory results of the monitoring points, per round.

Modules: ``catalogue`` (lab parameter codes and units), ``rounds`` (round windows), ``template``
(the results template), ``results_file`` (reading and validating a results file), ``limits``
(QCVN limit rows as data), ``compare`` (comparison with the limits), ``wqi`` (VN_WQI per
QĐ 1460/QĐ-TCMT), ``evaluate`` (point status per round), ``report`` (round report numbers;
rendered by ``service.reports.programme``).
"""
