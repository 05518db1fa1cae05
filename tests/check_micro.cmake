# cmake -P script: runs wakeful-micro at --quick sizes and checks its CSV: every workload row is
# there, and the counted polls per operation are exactly those WORKLOADS.md expects.
execute_process(COMMAND ${MICRO} all --quick --runs 1 --warmup 0 RESULT_VARIABLE status OUTPUT_VARIABLE csv)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "wakeful-micro failed (${status}):\n${csv}")
endif()
set(expected
  "spawn_throughput,joinhandles/1thread,10000,10000,[0-9.]+,[0-9.]+,[0-9.]+,-,"
  "spawn_throughput,counter_notify/2threads,10000,10000,[0-9.]+,[0-9.]+,[0-9.]+,-,"
  "ping_pong,mpsc_cap1/1thread,2,10000,[0-9.]+,[0-9.]+,[0-9.]+,2.000,"
  "ping_pong,notify/1thread,2,10000,[0-9.]+,[0-9.]+,[0-9.]+,2.000,"
  "yield_many,yield_now/1thread,1,100000,[0-9.]+,[0-9.]+,[0-9.]+,1.000,"
  "yield_many,self_wake_by_ref/1thread,1,100000,[0-9.]+,[0-9.]+,[0-9.]+,1.000,"
  "semaphore,one_permit_16tasks/1thread,16,16000,[0-9.]+,[0-9.]+,[0-9.]+,-,"
  "semaphore,one_permit_16tasks/2threads,16,16000,[0-9.]+,[0-9.]+,[0-9.]+,-,"
  "broadcast,16rx/1thread,1000,16000,[0-9.]+,[0-9.]+,[0-9.]+,-,"
  "broadcast,16rx/2threads,1000,16000,[0-9.]+,[0-9.]+,[0-9.]+,-,"
  "udp_pingpong,udp_64B/1thread,1000,1000,[0-9.]+,[0-9.]+,[0-9.]+,-,op=one round trip"
  "fanout,cpu_children/1thread,64,64,[0-9.]+,[0-9.]+,[0-9.]+,-,"
  "fanout,cpu_children/2threads,64,64,[0-9.]+,[0-9.]+,[0-9.]+,-,"
  "proxy_copy,copy_bidirectional/1thread,16777216,256,[0-9.]+,[0-9.]+,[0-9.]+,-,median_bytes_per_s="
  "proxy_copy,copy_bidirectional/2threads,16777216,256,[0-9.]+,[0-9.]+,[0-9.]+,-,median_bytes_per_s=")
foreach(row IN LISTS expected)
  if(NOT csv MATCHES "${row}")
    message(FATAL_ERROR "no row matching ${row} in:\n${csv}")
  endif()
endforeach()
message(STATUS "${csv}")
